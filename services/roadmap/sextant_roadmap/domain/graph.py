"""Dependency graphs between roadmap items: cycle detection as a pure function."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def adjacency(edges: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for source, target in edges:
        graph.setdefault(source, []).append(target)
    return graph


def find_cycle(graph: Mapping[str, Iterable[str]], source: str, target: str) -> list[str] | None:
    """The cycle that adding ``source -> target`` would close, as a path, or None.

    The path starts and ends at ``source``: ``[source, target, ..., source]``.
    """
    if source == target:
        return [source, source]
    parents: dict[str, str] = {target: target}
    stack = [target]
    while stack:
        node = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt in parents:
                continue
            parents[nxt] = node
            if nxt == source:
                path = [source]
                while path[-1] != target:
                    path.append(parents[path[-1]])
                return [source, *reversed(path)]
            stack.append(nxt)
    return None
