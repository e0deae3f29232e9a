"""Given-when-then specifications for deciders.

``given([events]).when(command).then([events])`` or ``.then_raises(ErrorType)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sextant_kit.decider import Decider

C = TypeVar("C")
E = TypeVar("E")
S = TypeVar("S")


@dataclass(frozen=True)
class DeciderSpecification(Generic[C, E, S]):
    decider: Decider[C, E, S]

    def given(self, events: Sequence[E] = ()) -> _Given[C, E, S]:
        return _Given(self.decider, list(events))


@dataclass(frozen=True)
class _Given(Generic[C, E, S]):
    decider: Decider[C, E, S]
    events: list[E]

    def when(self, command: C) -> _When[C, E, S]:
        return _When(self.decider, self.events, command)


@dataclass(frozen=True)
class _When(Generic[C, E, S]):
    decider: Decider[C, E, S]
    events: list[E]
    command: C

    def _run(self) -> list[E]:
        state = self.decider.fold(self.events)
        return list(self.decider.decide(self.command, state))

    def then(self, expected: Sequence[E]) -> None:
        actual = self._run()
        assert actual == list(expected), f"expected {list(expected)!r}, got {actual!r}"

    def then_raises(self, error: type[BaseException], match: str | None = None) -> BaseException:
        try:
            produced = self._run()
        except error as raised:
            if match is not None and match not in str(raised):
                raise AssertionError(f"{match!r} not in {str(raised)!r}") from raised
            return raised
        raise AssertionError(f"expected {error.__name__}, the decider produced {produced!r}")
