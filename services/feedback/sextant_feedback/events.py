"""The feedback context's event registry: its wire names, versions and topic."""

from __future__ import annotations

from sextant_kit import EventRegistry

from sextant_feedback.domain import (
    CustomerErased,
    CustomerProfileUpdated,
    CustomerRegistered,
    FeedbackAbsorbed,
    FeedbackClassified,
    FeedbackLinked,
    FeedbackMerged,
    FeedbackReceived,
    FeedbackReleased,
    FeedbackToldApart,
    FeedbackToldApartWithdrawn,
    FeedbackUnlinked,
    FeedbackUnmerged,
    FeedbackVoted,
    FeedbackVoteWithdrawn,
)

registry = EventRegistry(
    "feedback",
    [
        FeedbackReceived,
        FeedbackClassified,
        FeedbackVoted,
        FeedbackLinked,
        FeedbackUnlinked,
        FeedbackMerged,
        FeedbackAbsorbed,
        CustomerRegistered,
        CustomerProfileUpdated,
        CustomerErased,
        FeedbackVoteWithdrawn,
        FeedbackUnmerged,
        FeedbackReleased,
        FeedbackToldApart,
        FeedbackToldApartWithdrawn,
    ],
)

INBOUND_TOPIC = "sextant.feedback.inbound.v1"
