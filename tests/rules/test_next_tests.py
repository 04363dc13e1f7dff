"""Next most useful tests: absent findings that would most change the differential."""

from pht.rules import evaluate
from pht.rules.next_tests import MAX_NEXT_TESTS


def suggested(findings: dict) -> list[str]:
    return [test.finding for test in evaluate(findings).next_tests]


def test_mbk_is_suggested_when_no_provocation_test_was_done() -> None:
    keys = suggested({"onset": "gradual", "pain_location": ["ischial_tuberosity"]})
    assert "modified_bent_knee_stretch" in keys
    # The three tests ask the same question: only the best one is offered.
    assert "bent_knee_stretch" not in keys and "puranen_orava" not in keys


def test_the_next_best_provocation_test_is_offered_once_mbk_is_negative() -> None:
    keys = suggested(
        {
            "onset": "gradual",
            "pain_location": ["ischial_tuberosity"],
            "modified_bent_knee_stretch": "negative",
        }
    )
    assert "modified_bent_knee_stretch" not in keys


def test_neural_tests_are_suggested_when_pain_goes_below_the_knee() -> None:
    keys = suggested({"pain_below_knee": True, "back_pain": True, "paraesthesia_or_numbness": True})
    assert "neuro_deficit" in keys
    assert {"slr_positive", "slump_positive", "hip_rotation_provocation_pain"} & set(keys)


def test_hop_test_and_imaging_are_suggested_when_bone_stress_is_possible() -> None:
    keys = suggested({"amenorrhoea_or_red_s_risk": True, "recent_training_load_change": True})
    assert "hop_test_pain" in keys
    assert "imaging.stress_fracture" in keys


def test_imaging_is_suggested_only_when_avulsion_is_suspected() -> None:
    assert "imaging.full_avulsion" in suggested({"onset": "sudden", "bruising": True})
    assert "imaging.full_avulsion" not in suggested({"onset": "gradual"})


def test_list_is_short_and_each_entry_explains_why() -> None:
    tests = evaluate({}).next_tests
    assert 0 < len(tests) <= MAX_NEXT_TESTS
    for test in tests:
        assert test.why.startswith("Consider ")
        assert test.name
