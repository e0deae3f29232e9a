"""Sentiment of a piece of feedback, offline: a small lexicon with negation and intensifiers.

Method: tokens are lower-cased words. Each lexicon word scores +1 (positive) or -1
(negative); an intensifier before it ("very", "really", ...) multiplies by 1.5; a negator
within the three words before it ("not", "never", "no", words ending in "n't") flips the
sign. The score is ``sum / sqrt(sum of absolute word scores + 4)``, clamped to [-1, 1], so a
single mild word gives about +/-0.45 and long texts do not saturate from length alone.
The same text always scores the same; no model is downloaded.
"""

from __future__ import annotations

import math
import re

_WORD = re.compile(r"[a-z']+")

POSITIVE = frozenset(
    [
        "love",
        "loved",
        "loves",
        "great",
        "excellent",
        "amazing",
        "awesome",
        "good",
        "nice",
        "helpful",
        "easy",
        "fast",
        "intuitive",
        "useful",
        "happy",
        "delighted",
        "like",
        "likes",
        "liked",
        "perfect",
        "wonderful",
        "fantastic",
        "smooth",
        "reliable",
        "impressive",
        "clean",
        "simple",
        "thanks",
        "thank",
        "appreciate",
        "enjoy",
        "enjoyed",
        "best",
        "better",
        "improved",
        "recommend",
        "valuable",
        "powerful",
        "elegant",
    ]
)
NEGATIVE = frozenset(
    [
        "hate",
        "hated",
        "hates",
        "bad",
        "terrible",
        "awful",
        "slow",
        "broken",
        "bug",
        "bugs",
        "buggy",
        "crash",
        "crashes",
        "crashed",
        "confusing",
        "confused",
        "hard",
        "difficult",
        "frustrating",
        "frustrated",
        "annoying",
        "annoyed",
        "useless",
        "missing",
        "fail",
        "fails",
        "failed",
        "failure",
        "error",
        "errors",
        "poor",
        "worse",
        "worst",
        "painful",
        "cumbersome",
        "clunky",
        "unusable",
        "expensive",
        "lost",
        "laggy",
        "timeout",
        "timeouts",
        "disappointed",
        "disappointing",
        "problem",
        "problems",
        "issue",
        "issues",
        "cannot",
        "unable",
    ]
)
NEGATORS = frozenset(
    ["not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "hardly"]
)
INTENSIFIERS = frozenset(
    ["very", "really", "extremely", "so", "super", "incredibly", "totally", "absolutely"]
)


def sentiment(text: str) -> float:
    """A score in [-1, 1]: below 0 negative, above 0 positive, rounded to 3 decimals."""
    words = _WORD.findall(text.lower())
    total = 0.0
    weight = 0.0
    for i, word in enumerate(words):
        polarity = 1.0 if word in POSITIVE else -1.0 if word in NEGATIVE else 0.0
        if polarity == 0.0:
            continue
        if i > 0 and words[i - 1] in INTENSIFIERS:
            polarity *= 1.5
        if any(w in NEGATORS or w.endswith("n't") for w in words[max(0, i - 3) : i]):
            polarity = -polarity
        total += polarity
        weight += abs(polarity)
    if weight == 0.0:
        return 0.0
    return round(max(-1.0, min(1.0, total / math.sqrt(weight + 4.0))), 3)
