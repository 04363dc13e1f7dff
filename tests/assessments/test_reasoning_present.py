"""Presenting stored snapshots: the stage only where it belongs, the headline, readable
citations, for snapshots of every rules version."""

from assessments.presenter import present
from assessments.reasoning import headline, stage_shown

STAGE = {"slug": "reactive", "name": "Reactive tendinopathy", "reasons": [], "summary": ""}
PHT_FIRST = [
    {
        "slug": "proximal_hamstring_tendinopathy",
        "name": "Proximal hamstring tendinopathy",
        "level": "likely",
        "reasons": [],
        "referral": "routine",
        "score": 6,
    }
]
# A snapshot written by rules 2026.11.1: no "top", red flags with a source key only.
EARLIER = {
    "rules_version": "2026.11.1",
    "differentials": PHT_FIRST,
    "red_flags": [
        {
            "slug": "high_risk_bone_stress",
            "message": "Pain on hopping ...",
            "urgency": "urgent",
            "findings": ["hop_test_pain"],
            "action": "Consider stopping running.",
            "source": "S18",
        }
    ],
    "stage": STAGE,
    "pht_probability": {},
    "next_tests": [{"finding": "x", "name": "X", "why": "Consider X"}],
}


def test_an_earlier_snapshot_with_an_urgent_flag_shows_no_stage():
    assert stage_shown(EARLIER) is None
    assert present(EARLIER)["stage"] is None


def test_the_stage_shows_when_tendinopathy_leads_and_no_urgent_flag_is_open():
    snapshot = {**EARLIER, "red_flags": []}
    assert stage_shown(snapshot) == STAGE


def test_an_earlier_snapshot_gets_a_headline_unless_the_first_item_is_unlikely():
    assert headline(EARLIER)["slug"] == "proximal_hamstring_tendinopathy"
    unlikely = [{**PHT_FIRST[0], "level": "unlikely"}]
    assert headline({**EARLIER, "differentials": unlikely}) is None


def test_an_earlier_flag_gets_a_title_and_a_readable_citation():
    [flag] = present(EARLIER)["red_flags"]
    assert flag["title"] == "Possible bone stress injury"
    assert flag["citation"].startswith("Franklyn-Miller")
    assert flag["open"]


def test_earlier_next_tests_count_as_tests():
    view = present(EARLIER)
    assert [t["name"] for t in view["tests"]] == ["X"] and view["questions"] == []


def test_the_record_page_hides_a_stage_stored_beside_an_urgent_flag(patient, clinician):
    from tests.factories import make_assessment

    assessment = make_assessment(patient=patient, user=clinician, sign=True)
    assert assessment.stage_display
    # As an assessment stored under earlier rules could be: a stage with an urgent flag.
    assessment.red_flag_urgency = "urgent"
    assert assessment.stage_display == ""
    assessment.red_flag_urgency = ""
    assessment.top_diagnosis = "stress_fracture"
    assert assessment.stage_display == ""
