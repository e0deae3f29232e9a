"""The feedback context's event registry: its wire names, versions and topic."""

from __future__ import annotations

from sextant_kit import EventRegistry

from sextant_feedback.domain import FeedbackReceived

registry = EventRegistry("feedback", [FeedbackReceived])
