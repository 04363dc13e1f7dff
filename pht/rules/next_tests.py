"""The next most useful questions and tests, and the tests that must not be done now.

**Questions first.** Red-flag screening questions that matter for the recorded picture and
were not asked come before any test: the questions an open red flag needs answered (the cauda
equina questions when both legs have symptoms), then ``QUESTIONS`` whose ``relevant``
condition holds (grading a recorded neurological deficit; cancer and weight loss when the
patient is older or has night pain; fever when the picture could be an infection; bone-stress
questions when bone stress is in play). At most ``MAX_QUESTIONS``.

**Never a test that loads a suspected fracture.** While a bone stress injury is suspected or
shown (a red flag of ``bone_stress_injury`` or ``femoral_neck_bone_stress``), tests that load
it (``LOADING_TESTS``: hop, single-leg loading) are withheld and listed in ``withheld`` with
the reason; at the femoral neck a hop can complete the fracture.

**Tests by expected impact** (a cheap one-step look-ahead):

1. Candidates are examination findings (and imaging questions) that are **absent**, i.e. not
   yet examined. Each has a positive and a negative outcome (one or more findings each).
2. For each outcome the affected diagnoses are re-scored (only the rule units that read the
   outcome's keys are recomputed; everything else keeps its score).
3. The outcome's impact is the sum of raw score changes, each weighted by how plausible the
   diagnosis is now (``PLAUSIBLE_WEIGHT`` for likely/possible, ``UNLIKELY_WEIGHT``
   otherwise), plus ``TOP_CHANGE_BONUS`` when the headline would change (ranked as in
   ``differentials.py``: rule-out-first, level, score). A candidate's impact is the mean of
   its two outcomes (both treated as equally likely: a [Dev] simplification).
4. Candidates below ``MIN_IMPACT`` are dropped; candidates that ask the same question (the
   three provocation tests) keep only their best; tests fill the list up to
   ``MAX_NEXT_TESTS`` entries in all.

Imaging questions are offered only when the condition they look for is at least possible.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pht.rules.differentials import (
    PHT_INDEX,
    PROVOCATION,
    TABLES,
    CompiledUnit,
    Differential,
    Fired,
    Level,
    exam_supported,
    level_for,
    rank_key,
    raw_score,
)
from pht.rules.findings import label
from pht.rules.predicates import AllOf, AnyOf, Condition, When
from pht.rules.probability import pht_level
from pht.rules.red_flags import (
    BILATERAL_LEGS,
    BONE_STRESS_CONTEXT,
    GROIN,
    OPEN_URGENCIES,
    RED_FLAG_RULES,
    Grade,
    RedFlag,
    RedFlagRule,
    grade_of,
    urgencies_of,
)

# [Dev] Tuning of the look-ahead; see the module docstring.
PLAUSIBLE_WEIGHT = 1.0
UNLIKELY_WEIGHT = 0.25
TOP_CHANGE_BONUS = 1.0
MIN_IMPACT = 0.6
MAX_NEXT_TESTS = 6
MAX_QUESTIONS = 4

LEG_SYMPTOMS = AnyOf(
    When("pain_below_knee", "is", True),
    When("pain_location", "has", "below_knee"),
    When("paraesthesia_or_numbness", "is", True),
    When("bilateral_leg_symptoms", "is", True),
    When("neuro_deficit", "is", True),
    When("back_pain", "is", True),
)
DEFICIT = AnyOf(When("neuro_deficit", "is", True), When("foot_drop", "is", True))
SERIOUS_CONTEXT = AnyOf(
    When("age", "at_least", 50),
    When("night_pain", "is", True),
    When("weight_loss_unexplained", "is", True),
    When("cancer_history", "is", True),
)
INFECTION_CONTEXT = AnyOf(
    When("immunosuppressed", "is", True),
    When("night_pain", "is", True),
    AllOf(When("onset", "is", "sudden"), When("duration_weeks", "below", 6)),
    When("age", "below", 18),
)
BONE_CONTEXT = AnyOf(
    When("hop_test_pain", "is", True),
    When("amenorrhoea_or_red_s_risk", "is", True),
    When("previous_bone_stress_injury", "is", True),
    When("postpartum", "is", True),
    When("imaging.stress_fracture", "is", True),
    AllOf(GROIN, BONE_STRESS_CONTEXT),
)


@dataclass(frozen=True)
class Question:
    keys: tuple[str, ...]  # asked together; the entry names the first one not yet asked
    name: str
    relevant: Condition
    why: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        ("neuro_deficit_progressive", "motor_grade_weakest", "foot_drop", "neuro_deficit_extent"),
        "Grade the neurological deficit",
        DEFICIT,
        "Grade the deficit: is it getting worse, what is the power of the weakest muscle "
        "(Oxford scale), is there foot drop, and is it one root, several or both legs? A "
        "progressive or major deficit needs an early surgical opinion; both legs, the same day.",
    ),
    Question(
        ("bilateral_leg_symptoms",),
        "Leg symptoms in both legs?",
        LEG_SYMPTOMS,
        "Ask whether the leg symptoms are in both legs: bilateral sciatica is a cauda equina "
        "warning sign.",
    ),
    Question(
        ("saddle_anaesthesia", "bladder_bowel_change"),
        "Cauda equina questions",
        LEG_SYMPTOMS,
        "Ask about numbness between the legs or around the back passage, and new difficulty "
        "passing urine or controlling the bladder or bowels: patients rarely volunteer them.",
    ),
    Question(
        ("sexual_dysfunction_new",),
        "New sexual dysfunction?",
        BILATERAL_LEGS,
        "Ask about new sexual dysfunction or loss of genital sensation: a cauda equina symptom.",
    ),
    Question(
        ("cancer_history", "weight_loss_unexplained"),
        "History of cancer, unexplained weight loss?",
        SERIOUS_CONTEXT,
        "Ask about a history of cancer (the one red flag with useful accuracy for spinal "
        "malignancy) and unexplained weight loss.",
    ),
    Question(
        ("fever",),
        "Fever or feeling unwell?",
        INFECTION_CONTEXT,
        "Ask about fever or feeling unwell, and take the temperature: infection presents this way.",
    ),
    Question(
        ("groin_pain_on_loading", "amenorrhoea_or_red_s_risk"),
        "Bone stress questions",
        BONE_CONTEXT,
        "Ask about groin or front-of-hip pain on loading (the femoral neck is the high-risk "
        "site) and about low energy availability, menstrual disturbance and bone density.",
    ),
)
_FLAG_ASKS: dict[str, tuple[str, ...]] = {
    rule.slug: rule.asks for rule in RED_FLAG_RULES if rule.asks
}
_QUESTION_WHY: dict[str, str] = {
    "saddle_anaesthesia": "Ask about numbness between the legs or around the back passage.",
    "bladder_bowel_change": "Ask about new difficulty passing urine or controlling the "
    "bladder or bowels.",
    "sexual_dysfunction_new": "Ask about new sexual dysfunction or loss of genital sensation.",
}


@dataclass(frozen=True)
class Candidate:
    key: str
    positive: tuple[tuple[str, Any], ...]
    negative: tuple[tuple[str, Any], ...]
    hint: str
    redundancy: str | None = None  # candidates asking the same question: keep the best only
    only_if: str | None = None  # offer only when this diagnosis is at least possible


def _test(key: str, hint: str, **options: Any) -> Candidate:
    return Candidate(key, ((key, True),), ((key, False),), hint, **options)


CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "modified_bent_knee_stretch",
        (("modified_bent_knee_stretch", "positive"),),
        (("modified_bent_knee_stretch", "negative"),),
        "the most accurate PHT provocation test (LR+ 10.2, LR- 0.12, Cacchio et al. 2012)",
        redundancy="provocation",
    ),
    Candidate(
        "bent_knee_stretch",
        (("bent_knee_stretch", "positive"),),
        (("bent_knee_stretch", "negative"),),
        "a PHT provocation test (LR+ 6.5, LR- 0.18, Cacchio et al. 2012)",
        redundancy="provocation",
    ),
    Candidate(
        "puranen_orava",
        (("puranen_orava", "positive"),),
        (("puranen_orava", "negative"),),
        "a PHT provocation test (LR+ 4.2, LR- 0.29, Cacchio et al. 2012)",
        redundancy="provocation",
    ),
    _test("tenderness_ischial_tuberosity", "palpation of the ischial tuberosity"),
    _test("single_leg_bridge_pain", "a tendon load test"),
    _test("neuro_deficit", "a neurological examination (myotomes, reflexes, sensation)"),
    _test("slr_positive", "a straight-leg raise (a negative one helps rule out radiculopathy)"),
    _test("slump_positive", "a slump test for neural sensitivity"),
    _test("tenderness_piriformis", "palpation of the sciatic notch / piriformis"),
    _test(
        "hip_rotation_provocation_pain",
        "the piriformis provocation tests (active / seated piriformis)",
    ),
    Candidate(
        "sij_provocation_positive_count",
        (("sij_provocation_positive_count", 3),),
        (("sij_provocation_positive_count", 0),),
        "the Laslett SIJ provocation cluster (5 tests)",
    ),
    _test("tenderness_sij", "palpation over the sacroiliac joint"),
    _test(
        "long_stride_walking_test_positive",
        "the long-stride walking test for ischiofemoral impingement",
    ),
    _test("hop_test_pain", "a single-leg hop test for bone stress"),
    _test("palpable_gap", "palpation for a gap at the hamstring origin"),
    _test("bruising", "inspection of the posterior thigh for bruising"),
    _test(
        "imaging.full_avulsion",
        "MRI of the hamstring origin to confirm or exclude an avulsion",
        only_if="proximal_hamstring_avulsion",
    ),
    Candidate(
        "imaging.stress_fracture",
        (("imaging.stress_fracture", True),),
        (("imaging.bone_stress_excluded", True),),
        "MRI for a bone stress injury (an X-ray is often normal early)",
        only_if="stress_fracture",
    ),
)

_CANDIDATE_KEYS: tuple[frozenset[str], ...] = tuple(
    frozenset(key for key, _ in (*candidate.positive, *candidate.negative))
    for candidate in CANDIDATES
)

# Tests that load bone: never suggested while a bone stress injury is suspected or shown.
LOADING_TESTS: tuple[str, ...] = ("hop_test_pain", "single_leg_bridge_pain")
LOADING_TEST_NAMES: dict[str, str] = {
    "hop_test_pain": "Single-leg hop test",
    "single_leg_bridge_pain": "Single-leg bridge",
}
WITHHOLD_WHY: dict[str, str] = {
    "femoral_neck_bone_stress": (
        "Not suggested while a femoral neck bone stress injury is suspected: a hop or "
        "single-leg loading can complete the fracture. Arrange an MRI instead."
    ),
    "bone_stress_injury": (
        "Not suggested while a bone stress injury is suspected: impact and single-leg loading "
        "delay healing, and an MRI answers the question."
    ),
}

# Which (table index, unit index, compiled unit) read each key: only those are re-scored.
_UNITS_BY_KEY: dict[str, list[tuple[int, int, CompiledUnit]]] = {}
for _t, _table in enumerate(TABLES):
    for _u, _unit in enumerate(_table.units):
        _compiled = tuple((rule.when._test, rule) for rule in _unit)
        for _key in dict.fromkeys(k for rule in _unit for k in rule.when.keys):
            _UNITS_BY_KEY.setdefault(_key, []).append((_t, _u, _compiled))
# Which red-flag rules read each key (their conditions or retiring negatives).
_FLAG_RULES_BY_KEY: dict[str, list[RedFlagRule]] = {}
for _rule in RED_FLAG_RULES:
    _keys = {key for grade in _rule.grades for key in grade.when.keys} | {
        key for grade in _rule.grades if grade.unless is not None for key in grade.unless.keys
    }
    for _key in _keys:
        _FLAG_RULES_BY_KEY.setdefault(_key, []).append(_rule)
_FLAG_KEYS: frozenset[str] = frozenset(_FLAG_RULES_BY_KEY)
_INDEX: dict[str, int] = {table.slug: t for t, table in enumerate(TABLES)}
_PROVOCATION_KEYS = frozenset(
    key for rule in TABLES[PHT_INDEX].rules if rule.group == PROVOCATION for key in rule.when.keys
)
_PHT_KEYS = TABLES[PHT_INDEX].keys
# An outcome that reads one of these can change PHT's level (its probability band).
_PHT_LEVEL_KEYS = _PROVOCATION_KEYS | _PHT_KEYS


@dataclass(frozen=True)
class NextTest:
    finding: str
    name: str
    why: str
    impact: float
    kind: str = "test"  # "question" (a red-flag screening question) or "test"

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "name": self.name, "why": self.why, "kind": self.kind}


@dataclass(frozen=True)
class Withheld:
    finding: str
    name: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "name": self.name, "why": self.why}


def _questions(flat: Mapping[str, Any], flags: tuple[RedFlag, ...]) -> list[NextTest]:
    chosen: list[NextTest] = []
    asked: set[str] = set()
    for flag in flags:
        for key in _FLAG_ASKS.get(flag.slug, ()):
            if key not in flat and key not in asked:
                asked.add(key)
                why = _QUESTION_WHY.get(key, "Ask this now.")
                chosen.append(NextTest(key, label(key), f"{flag.title}: {why}", 100.0, "question"))
    for question in QUESTIONS:
        unasked = [key for key in question.keys if key not in flat and key not in asked]
        if unasked and question.relevant.holds(flat):
            asked.update(unasked)
            chosen.append(NextTest(unasked[0], question.name, question.why, 50.0, "question"))
    return chosen[:MAX_QUESTIONS]


def _withheld(flat: Mapping[str, Any], flags: tuple[RedFlag, ...]) -> list[Withheld]:
    reasons = [WITHHOLD_WHY[flag.slug] for flag in flags if flag.slug in WITHHOLD_WHY]
    if not reasons:
        return []
    return [
        Withheld(key, LOADING_TEST_NAMES[key], reasons[0])
        for key in LOADING_TESTS
        if key not in flat
    ]


@dataclass(frozen=True)
class _State:
    """What the look-ahead compares each outcome with (computed once per evaluation)."""

    scores: list[float]
    levels: list[Level]
    rule_out: list[bool]
    urgency_now: Mapping[str, str | None]
    raws: list[float]
    exams: list[bool]
    ranked: list[int]
    pht_prior_raw: float
    pht_exam: bool
    pre_test_probability: float | None
    grades_now: Mapping[str, Grade | None]


# What the ranking reads of one diagnosis: score, level, ruled out first, flag urgency.
type _Standing = tuple[float, Level, bool, str | None]


def next_tests(
    flat: Mapping[str, Any],
    fired: Fired,
    differentials: tuple[Differential, ...],
    *,
    flags: tuple[RedFlag, ...] = (),
    pht_level: Level | None = None,
    pre_test_probability: float | None = None,
) -> tuple[tuple[NextTest, ...], tuple[Withheld, ...]]:
    """The questions and tests to do next, and the tests withheld (with why)."""
    questions = _questions(flat, flags)
    withheld = _withheld(flat, flags)
    withheld_keys = {item.finding for item in withheld}
    by_slug = {d.slug: d for d in differentials}
    state = _state(flat, fired, differentials, by_slug, pre_test_probability)
    weights = [
        PLAUSIBLE_WEIGHT if level != "unlikely" else UNLIKELY_WEIGHT for level in state.levels
    ]

    scored: list[tuple[float, int, Candidate, list[str]]] = []
    overlay = dict(flat)  # one private scratch copy: each outcome is set, scored, removed
    for order, candidate in enumerate(CANDIDATES):
        keys = _CANDIDATE_KEYS[order]
        if candidate.key in withheld_keys or any(key in flat for key in keys):
            continue
        if candidate.only_if and by_slug[candidate.only_if].level == "unlikely":
            continue
        impact, moved = _impact(candidate, keys, overlay, fired, weights, state)
        if impact >= MIN_IMPACT:
            names = [TABLES[t].name for t, _ in sorted(moved.items(), key=lambda i: -i[1])[:2]]
            scored.append((impact, order, candidate, names))
    return _chosen(questions, scored), tuple(withheld)


def _state(
    flat: Mapping[str, Any],
    fired: Fired,
    differentials: tuple[Differential, ...],
    by_slug: Mapping[str, Differential],
    pre_test_probability: float | None,
) -> _State:
    """What every outcome of the look-ahead is compared with, computed once."""
    pht_units = [r for r in fired[PHT_INDEX] if r is None or r.group != PROVOCATION]
    return _State(
        scores=[by_slug[table.slug].score for table in TABLES],
        levels=[by_slug[table.slug].level for table in TABLES],
        rule_out=[by_slug[table.slug].rule_out_first for table in TABLES],
        urgency_now={table.slug: by_slug[table.slug].flag_urgency for table in TABLES},
        raws=[raw_score(table, fired[t]) for t, table in enumerate(TABLES)],
        exams=[exam_supported(fired[t]) for t in range(len(TABLES))],
        ranked=[_INDEX[d.slug] for d in differentials],
        pht_prior_raw=raw_score(TABLES[PHT_INDEX], tuple(pht_units)),
        pht_exam=exam_supported(tuple(pht_units)),
        pre_test_probability=pre_test_probability,
        grades_now={rule.slug: grade_of(rule, flat) for rule in RED_FLAG_RULES},
    )


def _impact(
    candidate: Candidate,
    keys: frozenset[str],
    overlay: dict[str, Any],
    fired: Fired,
    weights: list[float],
    state: _State,
) -> tuple[float, dict[int, float]]:
    """The candidate's expected impact (the mean over its two outcomes), and how much it
    would move each diagnosis. ``overlay`` is the scratch copy: each outcome is set on it,
    scored and removed again."""
    top = state.ranked[0]
    moved: dict[int, float] = {}
    impact = 0.0
    for outcome in (candidate.positive, candidate.negative):
        overlay.update(outcome)
        deltas = _deltas(overlay, fired, [key for key, _ in outcome])
        information = 0.0
        for t, (delta, _raised) in deltas.items():
            weighted = weights[t] * abs(delta)
            information += weighted
            moved[t] = moved.get(t, 0.0) + weighted
        new_top = _new_top(overlay, deltas, keys, state)
        for key, _ in outcome:
            del overlay[key]
        if new_top != top:
            information += TOP_CHANGE_BONUS
        impact += information / 2
    return impact, moved


def _chosen(
    questions: list[NextTest], scored: list[tuple[float, int, Candidate, list[str]]]
) -> tuple[NextTest, ...]:
    """The questions, then the tests by impact (the best of a redundant group only)."""
    scored.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[NextTest] = list(questions)
    seen_redundancy: set[str] = set()
    for impact, _order, candidate, names in scored:
        if len(chosen) >= MAX_NEXT_TESTS:
            break
        if candidate.redundancy:
            if candidate.redundancy in seen_redundancy:
                continue
            seen_redundancy.add(candidate.redundancy)
        moves = " and ".join(names) if names else "the headline"
        why = f"Consider {candidate.hint}: the result would mainly move {moves}."
        chosen.append(NextTest(candidate.key, label(candidate.key), why, round(impact, 2)))
    return tuple(chosen)


def _deltas(
    overlay: Mapping[str, Any], fired: Fired, keys: list[str]
) -> dict[int, tuple[float, bool]]:
    """Raw score change per diagnosis when ``overlay`` (which now holds ``keys``) is scored,
    and whether the change came from a rule that raises the diagnosis.

    Only the rule units that read ``keys`` can change; everything else keeps its fired rule.
    """
    deltas: dict[int, tuple[float, bool]] = {}
    seen: set[tuple[int, int]] = set()
    for key in keys:
        for t, u, unit in _UNITS_BY_KEY.get(key, ()):
            if (t, u) in seen:
                continue
            seen.add((t, u))
            old_rule = fired[t][u]
            new_rule = None
            for test, rule in unit:
                if test(overlay):
                    new_rule = rule
                    break
            if new_rule is not old_rule:
                old = old_rule.value if old_rule else 0.0
                new = new_rule.value if new_rule else 0.0
                delta, raised = deltas.get(t, (0.0, False))
                deltas[t] = (delta + new - old, raised or (new_rule is not None and new > 0))
    return deltas


def _new_top(
    overlay: Mapping[str, Any],
    deltas: Mapping[int, tuple[float, bool]],
    keys: frozenset[str],
    state: _State,
) -> int:
    """The index of the first diagnosis once this outcome's changes apply.

    Only the diagnoses whose score, level or red flag can change are re-ranked against the
    best unchanged one (the first unchanged entry of the current ranking).
    """
    changed = _rescored(deltas, state)
    if keys & _PHT_LEVEL_KEYS:
        changed[PHT_INDEX] = _pht_rescored(overlay, deltas, keys, state)
    if keys & _FLAG_KEYS:
        _regrade_flags(changed, overlay, keys, state)
    if not changed:
        return state.ranked[0]
    return _first(changed, state)


def _rescored(deltas: Mapping[int, tuple[float, bool]], state: _State) -> dict[int, _Standing]:
    """The new standing of every diagnosis but PHT whose raw score changes."""
    changed: dict[int, _Standing] = {}
    urgency_now = state.urgency_now
    for t, (delta, raised) in deltas.items():
        if t == PHT_INDEX:
            continue
        score = round(state.raws[t] + delta, 2)
        level = level_for(score, exam=raised or state.exams[t])
        changed[t] = (score, level, state.rule_out[t], urgency_now[TABLES[t].slug])
    return changed


def _pht_rescored(
    overlay: Mapping[str, Any],
    deltas: Mapping[int, tuple[float, bool]],
    keys: frozenset[str],
    state: _State,
) -> _Standing:
    """PHT's new standing: its level is the band of its probability, as in evaluate()."""
    pht_delta, pht_raised = deltas.get(PHT_INDEX, (0.0, False))
    prior = state.pht_prior_raw
    if not keys & _PROVOCATION_KEYS:
        prior += pht_delta
    level = pht_level(
        overlay,
        state.pre_test_probability,
        prior_points=prior,
        exam_support=state.pht_exam or pht_raised,
    )
    return (
        round(state.raws[PHT_INDEX] + pht_delta, 2),
        level,
        state.rule_out[PHT_INDEX],
        state.urgency_now[TABLES[PHT_INDEX].slug],
    )


def _regrade_flags(
    changed: dict[int, _Standing],
    overlay: Mapping[str, Any],
    keys: frozenset[str],
    state: _State,
) -> None:
    """Re-grade the red-flag rules that read ``keys``; record in ``changed`` every diagnosis
    whose flag urgency moves (an open flag keeps it at least possible)."""
    grades = dict(state.grades_now)
    for key in keys & _FLAG_KEYS:
        for rule in _FLAG_RULES_BY_KEY[key]:
            grades[rule.slug] = grade_of(rule, overlay)
    urgencies = urgencies_of(grades)
    urgency_now = state.urgency_now
    for t, table in enumerate(TABLES):
        urgency = urgencies.get(table.slug)
        if urgency == urgency_now[table.slug]:
            continue
        score, level, _, _ = changed.get(
            t, (state.scores[t], state.levels[t], state.rule_out[t], None)
        )
        if urgency is not None and level == "unlikely":
            level = "possible"
        changed[t] = (score, level, urgency in OPEN_URGENCIES, urgency)


def _first(changed: Mapping[int, _Standing], state: _State) -> int:
    """The first diagnosis: the best changed one against the best unchanged one."""
    urgency_now = state.urgency_now
    best_t = next((t for t in state.ranked if t not in changed), state.ranked[0])
    best = rank_key(
        TABLES[best_t].slug,
        state.scores[best_t],
        state.levels[best_t],
        state.rule_out[best_t],
        urgency_now[TABLES[best_t].slug],
    )
    for t, (score, level, rule_out, urgency) in changed.items():
        rank = rank_key(TABLES[t].slug, score, level, rule_out, urgency)
        if rank < best:
            best, best_t = rank, t
    return best_t
