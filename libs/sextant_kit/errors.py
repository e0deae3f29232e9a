"""Errors the kit raises; the HTTP layer maps each to one problem+json status."""

from __future__ import annotations


class SextantError(Exception):
    """Base of every error the kit and the domains raise on purpose."""


class ConfigurationError(SextantError):
    """The process cannot run as configured; the message says what to set or do.

    Entry points print it as one line and exit with status 1, with no traceback."""


class DomainError(SextantError):
    """A command broke an invariant; the caller can fix the command (HTTP 422 by default)."""

    status = 422
    retry_after: int | None = None
    """Seconds after which the same request may succeed (sent as ``Retry-After``)."""

    def __init__(self, detail: str, *, field: str | None = None, code: str = "invalid-command"):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.code = code


class NotFound(DomainError):
    status = 404

    def __init__(self, detail: str, *, code: str = "not-found") -> None:
        super().__init__(detail, code=code)


class InvalidCursor(DomainError):
    """A ``cursor`` query parameter this API did not hand out (HTTP 422 on ``query.cursor``)."""

    def __init__(self) -> None:
        super().__init__(
            "the cursor is not one this endpoint returned; ask for the first page without it",
            field="query.cursor",
            code="invalid-cursor",
        )


class Forbidden(DomainError):
    """The caller is known but their role does not allow this (HTTP 403)."""

    status = 403

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="forbidden")


class Conflict(DomainError):
    """The command is valid but contradicts the current state (HTTP 409)."""

    status = 409

    def __init__(self, detail: str, *, code: str = "conflict") -> None:
        super().__init__(detail, code=code)


class ConcurrencyError(Conflict):
    """The stream moved on since the caller read it: expected version does not match."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, the command expected {expected}; "
            "reload and retry",
            code="version-conflict",
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyKeyReused(Conflict):
    """The same idempotency key came with a different command."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a different command",
            code="idempotency-key-reused",
        )


class EventTooLarge(DomainError):
    """A command's event would be bigger than an event may be (``MAX_EVENT_BYTES``): a
    Kafka record of it would hold the whole topic back."""

    def __init__(self, event_type: str, size: int, most: int) -> None:
        super().__init__(
            f"{event_type} would hold {size / 1e6:.1f} MB of data, more than an event may"
            f" ({most / 1e6:.1f} MB); nothing was written: make the change in smaller parts",
            code="event-too-large",
        )
