"""Likely duplicates among many items: every pair alike enough, found without comparing
every pair."""

from __future__ import annotations

import itertools
import random

import pytest
from sextant_feedback.domain.likeness import alike_groups, similarity, trigrams

WORDS = [
    "export",
    "csv",
    "roadmap",
    "board",
    "slow",
    "checkout",
    "card",
    "payment",
    "remember",
    "save",
    "invoice",
    "euro",
    "login",
    "sso",
    "okta",
    "password",
    "reset",
    "mobile",
    "app",
    "crash",
    "sync",
    "offline",
    "dark",
    "mode",
    "search",
]


def test_trigrams_are_pg_trgms() -> None:
    # SELECT show_trgm('Cat, cat!') in PostgreSQL: {"  c"," ca","at ",cat}
    assert trigrams("Cat, cat!") == {"  c", " ca", "cat", "at "}
    assert trigrams("a_b") == {"  a", " a ", "  b", " b "}
    assert trigrams("...") == frozenset()
    # SELECT similarity('word', 'words'): 0.5714286
    assert similarity(trigrams("word"), trigrams("words")) == pytest.approx(4 / 7)


def _texts(seed: int, count: int) -> dict[int, str]:
    rng = random.Random(seed)
    base = [" ".join(rng.choices(WORDS, k=rng.randint(1, 9))) for _ in range(count // 3)]
    texts = {}
    for n in range(count):
        words = rng.choice(base).split()
        if rng.random() < 0.7:  # a copy, a word changed, dropped or added
            at = rng.randrange(len(words))
            words[at : at + 1] = rng.choice([[], [rng.choice(WORDS)], [words[at], "too"]])
        texts[n] = " ".join(words) or "empty"
    return texts


def _components(keys: list[int], edges: set[tuple[int, int]]) -> list[set[int]]:
    """Connected components, by walking the edges (what comparing every pair gives)."""
    near: dict[int, set[int]] = {k: set() for k in keys}
    for a, b in edges:
        near[a].add(b)
        near[b].add(a)
    seen: set[int] = set()
    found = []
    for start in keys:
        if start in seen:
            continue
        todo, group = [start], set()
        while todo:
            k = todo.pop()
            if k not in group:
                group.add(k)
                todo.extend(near[k] - group)
        seen |= group
        if len(group) > 1:
            found.append(group)
    return found


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_items_are_grouped_as_comparing_every_pair_would(seed: int, threshold: float) -> None:
    texts = _texts(seed, 150)
    grams = {key: trigrams(text) for key, text in texts.items()}
    every = {
        (a, b)
        for a, b in itertools.combinations(texts, 2)
        if similarity(grams[a], grams[b]) >= threshold
    }
    expected = sorted(sorted(g) for g in _components(list(texts), every))
    assert sorted(sorted(g) for g in alike_groups(texts, threshold)) == expected
    assert expected  # the texts hold groups at every threshold


def test_pairs_are_grouped_in_turn() -> None:
    texts = {
        "a": "Please remember my card",
        "b": "Please remember my card details",
        "c": "remember my card details next time",
        "d": "Exports to CSV are slow",
        "e": "CSV exports are slow",
        "f": "Dark mode",
        "g": "dark mode!",  # the same words: alike by 1
        "h": "...",  # no word
    }
    groups = alike_groups(texts, 0.5)
    assert sorted(sorted(g) for g in groups) == [["a", "b", "c"], ["d", "e"], ["f", "g"]]


def test_a_threshold_outside_its_range_is_refused() -> None:
    with pytest.raises(ValueError, match="above 0"):
        alike_groups({}, 0)
