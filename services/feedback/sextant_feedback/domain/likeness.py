"""Which items among many are likely the same request, offline and exactly.

Method: an item's text is the set of its trigrams as PostgreSQL's ``pg_trgm`` makes them
(lower-cased words of letters and digits, each padded with two spaces before and one after,
every three characters in a row), and two items are as alike as their sets' Jaccard
similarity: the trigrams they share over those either has. That is ``pg_trgm``'s
``similarity()``, which the item's "similar items" query uses, so both agree on a pair.

Every pair at or above a threshold ``t`` is found, none missed, without comparing every
pair (the all-pairs set-similarity join of Bayardo, Ma and Srikant, "Scaling up all pairs
similarity search", 2007): each set's trigrams are ordered rarest first, and two sets
alike by ``t`` or more must share one of the first ``|x| - ceil(t * |x|) + 1`` of each
(its prefix). So only items sharing a prefix trigram, mostly a rare one, are compared, and
only those whose sizes allow ``t``. Where they share one, what they could still share after
it bounds the pair, and the smaller set needs indexing only as far as a larger one must
reach (the positional filter and index prefix of PPJoin: Xiao, Wang, Lin and Yu, "Efficient
similarity joins for near duplicate detection", 2008).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> frozenset[str]:
    """The trigrams ``pg_trgm`` takes from ``text``."""
    found: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two trigram sets (``pg_trgm``'s ``similarity()``)."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _at_least(share: float, size: float) -> int:
    """The fewest trigrams that make ``share`` of ``size``."""
    return math.ceil(share * size - 1e-9)


class _Groups:
    """The numbers 0 to n - 1 joined in turn (union-find): a group may hold two items less
    alike than the threshold through a third alike to both."""

    def __init__(self, n: int) -> None:
        self._parent = list(range(n))

    def root(self, key: int) -> int:
        parent = self._parent
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(self, a: int, b: int) -> None:
        self._parent[self.root(a)] = self.root(b)

    def groups(self) -> list[list[int]]:
        """Every group, one alone included."""
        found: defaultdict[int, list[int]] = defaultdict(list)
        for key in range(len(self._parent)):
            found[self.root(key)].append(key)
        return list(found.values())


def alike_groups(texts: Mapping[K, str], threshold: float) -> list[set[K]]:
    """``texts`` in groups of those alike by ``threshold`` or more (0 < t <= 1), each item
    in a group with every item it is that alike to; items alike to none are left out."""
    if not 0 < threshold <= 1:
        raise ValueError(f"a threshold is above 0 and at most 1, not {threshold}")
    # Items with the same trigrams are one set here (a form's text sent many times).
    alike: defaultdict[frozenset[str], list[K]] = defaultdict(list)
    for key, text in texts.items():
        if grams := trigrams(text):
            alike[grams].append(key)
    seen_in = Counter(gram for grams in alike for gram in grams)
    rank = {gram: n for n, gram in enumerate(sorted(seen_in, key=lambda g: (seen_in[g], g)))}
    # Smallest first, each as its trigrams' ranks (rarest first): a set is compared only
    # with those indexed before it, no larger.
    sets = sorted(alike, key=len)
    joined = _Groups(len(sets))
    ranked = [sorted(rank[gram] for gram in grams) for grams in sets]
    index: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    share = threshold / (1 + threshold)
    for x, tokens in enumerate(ranked):
        size = len(tokens)
        smallest = _at_least(threshold, size)  # no smaller set can be alike enough
        needs = {other: _at_least(share, size + other) for other in range(smallest, size + 1)}
        overlap: dict[int, int] = {}
        for i in range(size - smallest + 1):
            left = size - i - 1
            for y, j in index[tokens[i]]:
                other = len(ranked[y])
                so_far = overlap.get(y, 0)
                if other < smallest or so_far < 0:
                    continue
                # What they could still share after these two places (positional filter).
                if so_far + 1 + min(left, other - j - 1) >= needs[other]:
                    overlap[y] = so_far + 1
                else:
                    overlap[y] = -1
        # Indexed only as far as a larger set alike enough must reach into it.
        for i in range(size - _at_least(2 * share, size) + 1):
            index[tokens[i]].append((x, i))
        for y, shared in overlap.items():
            if shared <= 0 or joined.root(x) == joined.root(y):
                continue  # together already: how alike these two are changes nothing
            if similarity(sets[x], sets[y]) >= threshold:
                joined.join(x, y)
    groups = ({key for n in group for key in alike[sets[n]]} for group in joined.groups())
    return [group for group in groups if len(group) > 1]
