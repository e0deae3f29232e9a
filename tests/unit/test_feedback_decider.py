from datetime import UTC, datetime
from uuid import UUID

import pytest
from sextant_feedback.domain import (
    Channel,
    FeedbackReceived,
    ReceiveFeedback,
    feedback_decider,
    feedback_id_for,
)
from sextant_kit import Conflict
from sextant_kit.testing import DeciderSpecification

spec = DeciderSpecification(feedback_decider)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ITEM = UUID("00000000-0000-4000-8000-000000000001")


def receive(**overrides: object) -> ReceiveFeedback:
    fields: dict[str, object] = {
        "feedback_id": ITEM,
        "workspace_id": "ws-1",
        "text": "Export to CSV times out",
        "source": Channel.SUPPORT_TICKET,
        "external_id": "T-1",
        "customer_ref": "acme",
        "received_at": NOW,
    }
    fields.update(overrides)
    return ReceiveFeedback.model_validate(fields)


def received(**overrides: object) -> FeedbackReceived:
    command = receive(**overrides)
    return FeedbackReceived(**command.model_dump(exclude={"kind"}))


def test_new_feedback_is_received() -> None:
    spec.given([]).when(receive()).then([received()])


def test_the_same_item_again_changes_nothing() -> None:
    spec.given([received()]).when(receive()).then([])


def test_the_same_external_id_with_other_content_is_a_conflict() -> None:
    spec.given([received()]).when(receive(text="Something else")).then_raises(
        Conflict, match="already received"
    )


def test_text_is_stripped_and_must_not_be_blank() -> None:
    assert receive(text="  hello  ").text == "hello"
    with pytest.raises(ValueError, match="text"):
        receive(text="   ")


def test_identity_comes_from_source_and_external_id() -> None:
    a = feedback_id_for("t", "ws", Channel.SURVEY, "42")
    assert a == feedback_id_for("t", "ws", Channel.SURVEY, "42")
    assert a != feedback_id_for("t", "ws", Channel.EMAIL, "42")
    assert a != feedback_id_for("t2", "ws", Channel.SURVEY, "42")
