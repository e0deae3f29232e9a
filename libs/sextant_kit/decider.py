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
    evolve_many: Callable[[S, Iterable[E]], S] | None = None
    """``evolve`` over many events at once, for a state that each ``evolve`` would copy
    whole (a long roadmap's items); the same result, in time linear in the events."""

    def fold(self, events: Iterable[E], state: S | None = None) -> S:
        current = self.initial_state() if state is None else state
        if self.evolve_many is not None:
            return self.evolve_many(current, events)
        for event in events:
            current = self.evolve(current, event)
        return current
