"""Pure deciders: ``decide(command, state) -> events`` and ``evolve(state, event) -> state``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C")
E = TypeVar("E")
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Decider(Generic[C, E, S]):
    """The three functions that are the whole of an aggregate's behaviour.

    ``decide`` receives the command context as part of the command (the command type
    decides how), so the functions stay free of clocks, random ids and I/O.
    """

    initial_state: Callable[[], S]
    decide: Callable[[C, S], Sequence[E]]
    evolve: Callable[[S, E], S]

    def fold(self, events: Iterable[E], state: S | None = None) -> S:
        current = self.initial_state() if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current
