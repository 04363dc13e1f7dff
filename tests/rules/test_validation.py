"""The published-case validation set: its form, and the rules' safety properties on it.

The scores (top-1, sensitivity, ...) are printed by ``make validate`` and recorded in
docs/validation.md; tests never assert them, so a rule change can move a score without a test
lying about it. What is asserted is what must hold for every vignette whatever the scores.
"""

import json
from pathlib import Path

import pytest

from pht.rules import evaluate, validate
from pht.rules.differentials import CLINICAL_PRIORITY
from pht.rules.next_tests import LOADING_TESTS
from pht.rules.red_flags import OPEN_URGENCIES, RED_FLAG_RULES
from pht.rules.stage import STAGE_NAMES

SET = Path(__file__).parent / "validation"
VIGNETTES = [
    vignette for path in sorted(SET.glob("*.json")) for vignette in json.loads(path.read_text())
]
URGENCIES = {"emergency", "urgent", "soon", "routine"}
FLAG_SLUGS = {rule.slug for rule in RED_FLAG_RULES}
BONE_FLAGS = {"femoral_neck_bone_stress", "bone_stress_injury"}
IDS = [vignette["id"] for vignette in VIGNETTES]


def test_there_are_at_least_80_vignettes_with_unique_ids() -> None:
    assert len(VIGNETTES) >= 80
    assert len(IDS) == len(set(IDS))


def test_every_diagnosis_and_every_urgency_is_covered() -> None:
    assert {v["expected"]["diagnosis"] for v in VIGNETTES} == set(CLINICAL_PRIORITY)
    assert {v["expected"]["urgency"] for v in VIGNETTES} == URGENCIES


@pytest.mark.parametrize("vignette", VIGNETTES, ids=IDS)
def test_each_vignette_is_well_formed_and_cited(vignette) -> None:
    assert validate(vignette["findings"]) is not None
    source = vignette["source"]
    assert source["title"] and source["link"].startswith("http")
    assert source["authors"] or source.get("citation_gaps")
    assert source["year"] is None or 1950 <= source["year"] <= 2026
    if source["year"] is None or "not shown" in source["authors"].lower():
        assert source["citation_gaps"]  # a gap is said, never hidden
    expected = vignette["expected"]
    assert expected["diagnosis"] in CLINICAL_PRIORITY
    assert set(expected.get("acceptable", [])) <= set(CLINICAL_PRIORITY)
    assert set(expected["must_include"]) <= set(CLINICAL_PRIORITY)
    assert expected["urgency"] in URGENCIES
    assert set(expected["flags"]) <= FLAG_SLUGS
    if "stage" in expected:
        assert expected["stage"] is None or expected["stage"] in STAGE_NAMES
    assert vignette["presentation"] and vignette["notes"]


@pytest.mark.parametrize("vignette", VIGNETTES, ids=IDS)
def test_the_rules_are_safe_on_each_vignette(vignette) -> None:
    result = evaluate(vignette["findings"])
    # The headline is never an "unlikely" diagnosis.
    assert result.top is None or result.top.level != "unlikely"
    # No test that loads a suspected fracture.
    if {flag.slug for flag in result.red_flags} & BONE_FLAGS:
        assert not {test.finding for test in result.next_tests} & set(LOADING_TESTS)
    # No stage while an urgent or emergency flag is open.
    if any(flag.urgency in OPEN_URGENCIES for flag in result.red_flags):
        assert result.stage is None
    # A source that calls for an emergency never gets less than an urgent flag.
    if vignette["expected"]["urgency"] == "emergency":
        assert any(flag.urgency in OPEN_URGENCIES for flag in result.red_flags)
