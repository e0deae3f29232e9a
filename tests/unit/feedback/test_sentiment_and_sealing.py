import os
from uuid import uuid4

import pytest
from sextant_feedback.domain import sentiment
from sextant_feedback.privacy import ERASED, seal, subject_of, unseal


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("I love the new roadmap view, it is great", 1),
        ("The export is slow and the app crashes", -1),
        ("The export is not slow", 1),
        ("This isn't helpful", -1),
        ("We have 3 workspaces", 0),
    ],
)
def test_sentiment_sign(text: str, sign: int) -> None:
    score = sentiment(text)
    assert -1 <= score <= 1
    assert (score > 0) - (score < 0) == sign


def test_sentiment_is_deterministic_and_intensifiers_weigh_more() -> None:
    assert sentiment("good") == sentiment("good") == 0.447
    assert sentiment("very good") > sentiment("good")


def test_sealed_values_open_only_with_their_key() -> None:
    subject, key = uuid4(), os.urandom(32)
    sealed = seal(key, subject, "Ana Lima <ana@acme.example>")
    assert "Ana" not in sealed
    assert subject_of(sealed) == subject
    assert unseal({subject: key}, sealed) == "Ana Lima <ana@acme.example>"
    assert unseal({}, sealed) == ERASED
    assert unseal({subject: os.urandom(32)}, sealed) == ERASED
    assert unseal({}, "plain text") == "plain text"
