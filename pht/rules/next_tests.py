"""The next most useful tests: unexamined findings that would most change the differential.

Method (a cheap one-step look-ahead):

1. Candidates are examination findings (and two imaging questions) that are **absent**, i.e.
   not yet examined. Each has a positive and a negative outcome.
2. For each outcome the affected diagnoses are re-scored (only the rule units that read the
   candidate's key are recomputed; everything else keeps its score).
3. The outcome's impact is the sum of raw (before the serious-pathology floor) score
   changes, each weighted by how plausible the
   diagnosis is now (``PLAUSIBLE_WEIGHT`` for likely/possible, ``UNLIKELY_WEIGHT`` otherwise),
   plus ``TOP_CHANGE_BONUS`` when the top suggestion changes. A candidate's impact is the mean
   of its two outcomes (both treated as equally likely: a [Dev] simplification).
4. Candidates below ``MIN_IMPACT`` are dropped; candidates that ask the same question (the
   three provocation tests) keep only their best; the top ``MAX_NEXT_TESTS`` are returned,
   with a plain "why" naming the diagnoses they would move.

Imaging questions are offered only when the condition they look for is already at least
possible ("imaging when avulsion / bone stress is suspected").
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pht.rules.differentials import (
    TABLES,
    Differential,
    Fired,
    floored,
    level_for,
    rank_key,
    raw_score,
)
from pht.rules.findings import label

# [Dev] Tuning of the look-ahead; see the module docstring.
PLAUSIBLE_WEIGHT = 1.0
UNLIKELY_WEIGHT = 0.25
TOP_CHANGE_BONUS = 1.0
MIN_IMPACT = 0.6
MAX_NEXT_TESTS = 5


@dataclass(frozen=True)
class Candidate:
    key: str
    positive: Any
    negative: Any
    hint: str
    redundancy: str | None = None  # candidates asking the same question: keep the best only
    only_if: str | None = None  # offer only when this diagnosis is at least possible


CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "modified_bent_knee_stretch",
        "positive",
        "negative",
        "the most accurate PHT provocation test (LR+ 10.2, LR- 0.12, Cacchio 2012)",
        redundancy="provocation",
    ),
    Candidate(
        "bent_knee_stretch",
        "positive",
        "negative",
        "a PHT provocation test (LR+ 6.5, LR- 0.18, Cacchio 2012)",
        redundancy="provocation",
    ),
    Candidate(
        "puranen_orava",
        "positive",
        "negative",
        "a PHT provocation test (LR+ 4.2, LR- 0.29, Cacchio 2012)",
        redundancy="provocation",
    ),
    Candidate(
        "tenderness_ischial_tuberosity",
        True,
        False,
        "palpation of the ischial tuberosity",
    ),
    Candidate("single_leg_bridge_pain", True, False, "a tendon load test"),
    Candidate(
        "neuro_deficit",
        True,
        False,
        "a neurological examination (myotomes, reflexes, sensation)",
    ),
    Candidate(
        "slr_positive",
        True,
        False,
        "a straight-leg raise (a negative one helps rule out radiculopathy)",
    ),
    Candidate("slump_positive", True, False, "a slump test for neural sensitivity"),
    Candidate("tenderness_piriformis", True, False, "palpation of the sciatic notch / piriformis"),
    Candidate(
        "hip_rotation_provocation_pain",
        True,
        False,
        "the piriformis provocation tests (active / seated piriformis)",
    ),
    Candidate(
        "sij_provocation_positive_count",
        3,
        0,
        "the Laslett SIJ provocation cluster (5 tests)",
    ),
    Candidate("tenderness_sij", True, False, "palpation over the sacroiliac joint"),
    Candidate(
        "long_stride_walking_test_positive",
        True,
        False,
        "the long-stride walking test for ischiofemoral impingement",
    ),
    Candidate("hop_test_pain", True, False, "a single-leg hop test for bone stress"),
    Candidate("palpable_gap", True, False, "palpation for a gap at the hamstring origin"),
    Candidate("bruising", True, False, "inspection of the posterior thigh for bruising"),
    Candidate(
        "imaging.full_avulsion",
        True,
        False,
        "MRI of the hamstring origin to confirm or exclude an avulsion",
        only_if="proximal_hamstring_avulsion",
    ),
    Candidate(
        "imaging.stress_fracture",
        True,
        False,
        "MRI for a bone stress injury (X-ray is often normal early)",
        only_if="stress_fracture",
    ),
)

# Which (table index, unit index, compiled unit) read each key: only those are re-scored.
_UNITS_BY_KEY: dict[str, list[tuple[int, int, tuple[tuple[Any, Any], ...]]]] = {}
for _t, _table in enumerate(TABLES):
    for _u, _unit in enumerate(_table.units):
        _compiled = tuple((rule.when._test, rule) for rule in _unit)
        for _key in dict.fromkeys(k for rule in _unit for k in rule.when.keys):
            _UNITS_BY_KEY.setdefault(_key, []).append((_t, _u, _compiled))
_FLOOR_TABLES_BY_KEY: dict[str, list[int]] = {}
for _t, _table in enumerate(TABLES):
    for _key in dict.fromkeys(k for trigger in _table.floor_triggers for k in trigger.keys):
        _FLOOR_TABLES_BY_KEY.setdefault(_key, []).append(_t)


@dataclass(frozen=True)
class NextTest:
    finding: str
    name: str
    why: str
    impact: float

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "name": self.name, "why": self.why}


def next_tests(
    flat: Mapping[str, Any], fired: Fired, differentials: tuple[Differential, ...]
) -> tuple[NextTest, ...]:
    by_slug = {d.slug: d for d in differentials}
    scores = [by_slug[table.slug].score for table in TABLES]
    weights = [
        PLAUSIBLE_WEIGHT if level_for(score) != "unlikely" else UNLIKELY_WEIGHT for score in scores
    ]
    ranked = [_INDEX[d.slug] for d in differentials]
    raws = [raw_score(table, fired[t]) for t, table in enumerate(TABLES)]
    overlay = dict(flat)  # private scratch copy for the look-ahead

    scored: list[tuple[float, int, Candidate, list[str]]] = []
    for order, candidate in enumerate(CANDIDATES):
        key = candidate.key
        if key in flat:
            continue
        if candidate.only_if and by_slug[candidate.only_if].level == "unlikely":
            continue
        moved: dict[int, float] = {}
        impact = 0.0
        for value in (candidate.positive, candidate.negative):
            overlay[key] = value
            deltas = _deltas(overlay, fired, key)
            # Raw (pre-floor) changes measure information even where the serious-pathology
            # floor keeps the displayed score still; the floored score decides the top.
            outcome = 0.0
            new_scores: dict[int, float] = {}
            for t, delta in deltas.items():
                weighted = weights[t] * abs(delta)
                outcome += weighted
                moved[t] = moved.get(t, 0.0) + weighted
                new = floored(TABLES[t], raws[t] + delta, overlay)
                if new != scores[t]:
                    new_scores[t] = new
            for t in _FLOOR_TABLES_BY_KEY.get(key, ()):
                if t not in deltas:
                    new = floored(TABLES[t], raws[t], overlay)
                    if new != scores[t]:
                        new_scores[t] = new
            del overlay[key]
            if new_scores and _new_top(ranked, scores, new_scores) != ranked[0]:
                outcome += TOP_CHANGE_BONUS
            impact += outcome / 2
        if impact >= MIN_IMPACT:
            names = [TABLES[t].name for t, _ in sorted(moved.items(), key=lambda i: -i[1])[:2]]
            scored.append((impact, order, candidate, names))

    scored.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[NextTest] = []
    seen_redundancy: set[str] = set()
    for impact, _order, candidate, names in scored:
        if candidate.redundancy:
            if candidate.redundancy in seen_redundancy:
                continue
            seen_redundancy.add(candidate.redundancy)
        why = f"Consider {candidate.hint}: the result would mainly move {' and '.join(names)}."
        chosen.append(NextTest(candidate.key, label(candidate.key), why, round(impact, 2)))
        if len(chosen) == MAX_NEXT_TESTS:
            break
    return tuple(chosen)


def _deltas(overlay: Mapping[str, Any], fired: Fired, key: str) -> dict[int, float]:
    """Raw score change per diagnosis when ``overlay`` (which now holds ``key``) is scored.

    Only the rule units that read ``key`` can change; everything else keeps its fired rule.
    """
    deltas: dict[int, float] = {}
    for t, u, unit in _UNITS_BY_KEY.get(key, ()):
        old_rule = fired[t][u]
        new_rule = None
        for test, rule in unit:
            if test(overlay):
                new_rule = rule
                break
        if new_rule is not old_rule:
            old = old_rule.value if old_rule else 0.0
            new = new_rule.value if new_rule else 0.0
            deltas[t] = deltas.get(t, 0.0) + new - old
    return deltas


def _new_top(ranked: list[int], scores: list[float], changes: dict[int, float]) -> int:
    """The index of the first diagnosis once ``changes`` (index -> new score) apply.

    ``ranked`` is the current order, so the first unchanged entry is the best unchanged one
    and only it and the changed entries need comparing.
    """
    best = next((t for t in ranked if t not in changes), ranked[0])
    best_key = rank_key(TABLES[best].slug, changes.get(best, scores[best]))
    for t, new in changes.items():
        key = rank_key(TABLES[t].slug, new)
        if key < best_key:
            best_key, best = key, t
    return best


_INDEX: dict[str, int] = {table.slug: t for t, table in enumerate(TABLES)}
