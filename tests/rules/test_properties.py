"""Safety properties that hold for every valid (or invalid) findings dict.

These pin what must never happen, whatever a future rule change does to the scores:

- adding a hard red-flag finding never lowers the urgency of the result;
- no next test loads a suspected fracture;
- the first-ranked diagnosis is never "unlikely", and a diagnosis with an open urgent or
  emergency flag never ranks below one without;
- PHT's level agrees with its probability band;
- no stage (and no rehab proposal) while an urgent or emergency flag is open;
- every findings object valid under the previous vocabulary still validates unchanged and
  evaluates;
- no clinician-facing string carries an internal source key or a bracketed evidence tag.
"""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pht.rules import FindingsError, evaluate, validate
from pht.rules.next_tests import LOADING_TESTS
from pht.rules.probability import PROVOCATION_TESTS, band
from pht.rules.red_flags import OPEN_URGENCIES, RED_FLAG_RULES, URGENCY_RANK
from pht.rules.sources import SOURCES
from tests.rules.strategies import findings, invalid_findings, previous_findings, satisfy

PHT = "proximal_hamstring_tendinopathy"
LEVEL_RANK = {"unlikely": 0, "possible": 1, "likely": 2}
HARD_GRADES = [(rule, grade) for rule in RED_FLAG_RULES if rule.hard for grade in rule.grades]
ALL_GRADES = [(rule, grade) for rule in RED_FLAG_RULES for grade in rule.grades]
NO_FLAG = len(URGENCY_RANK)


def urgency_rank(result) -> int:
    """0 = emergency ... 2 = soon, 3 = no flag (lower is more urgent)."""
    return min((URGENCY_RANK[flag.urgency] for flag in result.red_flags), default=NO_FLAG)


def present_keys(raw: dict) -> set[str]:
    keys = {key for key in raw if key != "imaging"}
    keys |= {f"imaging.{flag}" for flag in raw.get("imaging", {})}
    return keys


@given(findings())
def test_any_valid_findings_evaluate_to_json(raw: dict) -> None:
    result = evaluate(raw)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) == {
        "rules_version",
        "findings",
        "top",
        "differentials",
        "red_flags",
        "risk_factors",
        "red_flag_screen",
        "stage",
        "pht_probability",
        "next_tests",
        "withheld_tests",
    }
    assert len(data["differentials"]) == 13


@given(previous_findings())
def test_every_findings_object_of_the_previous_version_stays_valid_and_evaluates(
    raw: dict,
) -> None:
    assert validate(raw) == {
        key: (
            ("positive" if value else "negative")
            if isinstance(value, bool) and key.endswith(("orava", "stretch"))
            else value
        )
        for key, value in raw.items()
    }
    evaluate(raw).to_dict()


@given(findings())
def test_output_is_deterministic_and_independent_of_key_order(raw: dict) -> None:
    first = evaluate(raw).to_dict()
    assert evaluate(raw).to_dict() == first
    reordered = evaluate(dict(reversed(list(raw.items())))).to_dict()
    first.pop("findings")
    reordered.pop("findings")
    assert reordered == first


@pytest.mark.parametrize(
    ("rule", "grade"),
    HARD_GRADES,
    ids=[f"{r.slug}:{g.urgency}:{g.when.describe()[:60]}" for r, g in HARD_GRADES],
)
@given(raw=findings())
@settings(max_examples=40)
def test_adding_a_hard_red_flag_finding_never_lowers_the_urgency(rule, grade, raw) -> None:
    before = evaluate(raw)
    after = evaluate(satisfy(grade.when, raw, add_only=True))
    assert urgency_rank(after) <= urgency_rank(before)
    if grade.when.holds(_flat(satisfy(grade.when, raw, add_only=True))):
        assert urgency_rank(after) <= URGENCY_RANK[grade.urgency]


@pytest.mark.parametrize(
    ("rule", "grade"),
    ALL_GRADES,
    ids=[f"{r.slug}:{g.urgency}:{g.when.describe()[:60]}" for r, g in ALL_GRADES],
)
@given(raw=findings())
@settings(max_examples=25)
def test_a_flags_findings_raise_it_or_a_more_urgent_flag(rule, grade, raw) -> None:
    changed = satisfy(grade.when, raw)
    if grade.unless is not None and grade.unless.holds(_flat(changed)):
        return
    result = evaluate(changed)
    assert urgency_rank(result) <= URGENCY_RANK[grade.urgency]
    raised = {flag.slug: flag for flag in result.red_flags}
    superseders = set(rule.superseded_by)
    assert rule.slug in raised or set(raised) & superseders
    for flag in raised.values():
        if flag.diagnosis is not None:
            assert LEVEL_RANK[result.differential(flag.diagnosis).level] >= 1


def _flat(raw: dict) -> dict:
    from pht.rules.findings import flatten

    return flatten(validate(raw))


@given(findings())
def test_no_next_test_loads_a_suspected_fracture(raw: dict) -> None:
    result = evaluate(raw)
    bone = {flag.slug for flag in result.red_flags} & {
        "femoral_neck_bone_stress",
        "bone_stress_injury",
    }
    suggested = {test.finding for test in result.next_tests}
    if bone:
        assert not suggested & set(LOADING_TESTS)
        withheld = {test.finding for test in result.withheld_tests}
        assert withheld == set(LOADING_TESTS) - present_keys(raw)


def test_a_hop_is_withheld_for_a_runner_with_groin_pain_after_a_training_rise() -> None:
    result = evaluate(
        {
            "sex": "female",
            "age": 24,
            "pain_location": ["groin"],
            "groin_pain_on_loading": True,
            "recent_training_load_change": True,
        }
    )
    assert result.red_flags[0].slug == "femoral_neck_bone_stress"
    assert result.red_flags[0].urgency == "urgent"
    assert "hop_test_pain" not in {test.finding for test in result.next_tests}
    [hop] = [test for test in result.withheld_tests if test.finding == "hop_test_pain"]
    assert "complete the fracture" in hop.why


@given(findings())
def test_the_first_ranked_diagnosis_is_never_unlikely(raw: dict) -> None:
    result = evaluate(raw)
    if result.top is None:
        assert all(d.level == "unlikely" for d in result.differentials)
    else:
        assert result.top is result.differentials[0]
        assert result.top.level != "unlikely"


@given(findings())
def test_a_diagnosis_with_an_open_urgent_flag_never_ranks_below_one_without(raw: dict) -> None:
    differentials = evaluate(raw).differentials
    flags = [d.rule_out_first for d in differentials]
    assert flags == sorted(flags, reverse=True)
    for d in differentials:
        assert d.rule_out_first == (d.flag_urgency in OPEN_URGENCIES)


@given(raw=findings(), pre=st.one_of(st.none(), st.floats(min_value=0.001, max_value=0.999)))
def test_pht_level_agrees_with_its_probability_band(raw: dict, pre) -> None:
    result = evaluate(raw, pre_test_probability=pre)
    probability = result.pht_probability
    shown = probability.pre_test if probability.post_test is None else probability.post_test
    assert result.differential(PHT).level == band(shown) == probability.level


@given(findings())
def test_no_stage_and_no_rehab_proposal_while_an_urgent_flag_is_open(raw: dict) -> None:
    result = evaluate(raw)
    open_flag = any(flag.urgency in OPEN_URGENCIES for flag in result.red_flags)
    if open_flag:
        from pht.rules.rehab import rehab_gate

        assert result.stage is None
        gate = rehab_gate(result.to_dict(), working_diagnosis=PHT)
        assert not gate.allowed
    if result.stage is not None:
        assert result.top is not None and result.top.slug == PHT


@given(raw=findings(), test=st.sampled_from(PROVOCATION_TESTS))
def test_a_positive_provocation_test_never_lowers_pht(raw: dict, test) -> None:
    if raw.get(test.key) in ("positive", True):
        raw = {**raw, test.key: "negative"}
    before = evaluate(raw)
    after = evaluate({**raw, test.key: "positive"})
    post_before = before.pht_probability.post_test
    post_after = after.pht_probability.post_test
    assert post_after is not None
    if post_before is not None:
        assert post_after >= post_before
    assert LEVEL_RANK[after.differential(PHT).level] >= LEVEL_RANK[before.differential(PHT).level]


@given(findings())
def test_absent_keys_never_appear_in_reasons(raw: dict) -> None:
    present = present_keys(raw)
    result = evaluate(raw)
    for differential in result.differentials:
        for reason in differential.reasons:
            if reason.finding != "red flag":
                assert set(reason.finding.split(" + ")) <= present, reason
    for flag in result.red_flags:
        assert set(flag.findings) <= present
        assert not set(flag.unasked) & present
    if result.stage:
        for reason in result.stage.reasons:
            if reason.toward != "flare":
                assert set(reason.finding.split(" + ")) <= present, reason
    for use in result.pht_probability.per_test:
        assert use.test in present
    for test in result.next_tests:
        assert test.finding not in present


def test_negative_differs_from_absent() -> None:
    absent = evaluate({"pain_location": ["ischial_tuberosity"]})
    negative = evaluate(
        {"pain_location": ["ischial_tuberosity"], "modified_bent_knee_stretch": "negative"}
    )
    assert negative.differential(PHT).score < absent.differential(PHT).score
    assert absent.pht_probability.post_test is None
    assert negative.pht_probability.post_test is not None


@given(invalid_findings())
def test_invalid_findings_raise_listing_every_problem(case: tuple[dict, set[str]]) -> None:
    raw, corrupted = case
    with pytest.raises(FindingsError) as excinfo:
        evaluate(raw)
    errors = excinfo.value.errors
    assert len(errors) == len(corrupted)
    for key in corrupted:
        assert any(message.startswith(f"{key}:") for message in errors), (key, errors)


@given(raw=findings(), pre=st.floats(min_value=0.001, max_value=0.999))
def test_post_test_is_a_probability(raw: dict, pre: float) -> None:
    probability = evaluate(raw, pre_test_probability=pre).pht_probability
    assert probability.pre_test == pre
    if probability.post_test is not None:
        assert 0 < probability.post_test < 1
        assert [use.post_test for use in probability.tests_used][0] == probability.post_test


@given(findings())
def test_ranking_is_rule_out_first_most_urgent_first_then_level_then_score(raw: dict) -> None:
    differentials = evaluate(raw).differentials
    keys = [
        (
            not d.rule_out_first,
            URGENCY_RANK[d.flag_urgency] if d.rule_out_first else 0,
            LEVEL_RANK["likely"] - LEVEL_RANK[d.level],
            -d.score,
        )
        for d in differentials
    ]
    assert keys == sorted(keys)


# Internal keys and tags that must never reach a clinician: source keys (S27, S-grsm,
# NHS-LOTHIAN ...), evidence tags ([Dev], [C2: S16]) and references to project files.
SOURCE_KEYS = sorted(key for key in SOURCES if key != "DEV")
INTERNAL = re.compile(
    r"\[(?:C|C2|M|Dev)\b|\bS\d+b?\b|\bS-[a-z]+|KNOWLEDGE|FINDINGS\.md|\b(?:"
    + "|".join(re.escape(key) for key in SOURCE_KEYS if not re.fullmatch(r"S\d+b?", key))
    + r")\b"
)
# Keys of the output that are machine identifiers, not words for the clinician.
MACHINE_KEYS = {
    "slug",
    "source",
    "finding",
    "findings",
    "test",
    "evidence",
    "rules_version",
    "pre_test_source",
    "unasked",
    "asked",
    "diagnosis",
    "strength",
    "direction",
    "toward",
    "result",
    "level",
    "urgency",
    "referral",
    "flag_urgency",
    "kind",
}


def clinician_strings(data, key: str = "") -> list[str]:
    if isinstance(data, dict):
        return [
            s
            for k, v in data.items()
            if k not in MACHINE_KEYS and k != "findings"
            for s in clinician_strings(v, k)
        ]
    if isinstance(data, list):
        return [s for item in data for s in clinician_strings(item, key)]
    return [data] if isinstance(data, str) else []


@given(findings())
@settings(max_examples=60)
def test_no_clinician_facing_string_carries_an_internal_key_or_tag(raw: dict) -> None:
    data = evaluate(raw).to_dict()
    for text in clinician_strings(data):
        assert not INTERNAL.search(text), text
