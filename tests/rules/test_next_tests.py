"""Next questions and tests: unasked red-flag questions first, the most informative tests next,
and never a test that loads a suspected fracture."""

from pht.rules import evaluate
from pht.rules.next_tests import MAX_NEXT_TESTS


def suggested(findings: dict) -> list[str]:
    return [test.finding for test in evaluate(findings).next_tests]


def test_mbk_is_suggested_when_no_provocation_test_was_done() -> None:
    keys = suggested({"onset": "gradual", "pain_location": ["ischial_tuberosity"]})
    assert "modified_bent_knee_stretch" in keys
    # The three tests ask the same question: only the best one is offered.
    assert "bent_knee_stretch" not in keys and "puranen_orava" not in keys


def test_the_next_best_provocation_test_is_offered_once_mbk_is_done() -> None:
    keys = suggested(
        {
            "onset": "gradual",
            "pain_location": ["ischial_tuberosity"],
            "modified_bent_knee_stretch": "negative",
        }
    )
    assert "modified_bent_knee_stretch" not in keys


def test_leg_symptoms_put_the_cauda_equina_questions_first() -> None:
    tests = evaluate(
        {"pain_below_knee": True, "back_pain": True, "paraesthesia_or_numbness": True}
    ).next_tests
    assert [test.kind for test in tests[:2]] == ["question"] * 2
    assert [test.finding for test in tests[:2]] == ["bilateral_leg_symptoms", "saddle_anaesthesia"]
    assert "bladder" in tests[1].why
    assert "neuro_deficit" in {test.finding for test in tests}


def test_a_recorded_deficit_is_graded_before_anything_else() -> None:
    tests = evaluate(
        {
            "neuro_deficit": True,
            "back_pain": True,
            "saddle_anaesthesia": False,
            "bladder_bowel_change": False,
            "bilateral_leg_symptoms": False,
        }
    ).next_tests
    first = tests[0]
    assert (first.finding, first.kind, first.name) == (
        "neuro_deficit_progressive",
        "question",
        "Grade the neurological deficit",
    )
    assert "Oxford" in first.why and "foot drop" in first.why


def test_imaging_not_a_hop_when_bone_stress_is_suspected() -> None:
    result = evaluate(
        {
            "pain_location": ["deep_buttock"],
            "hop_test_pain": True,
            "amenorrhoea_or_red_s_risk": True,
        }
    )
    keys = [test.finding for test in result.next_tests]
    assert "imaging.stress_fracture" in keys
    assert "single_leg_bridge_pain" not in keys
    assert [test.finding for test in result.withheld_tests] == ["single_leg_bridge_pain"]


def test_imaging_is_suggested_only_when_avulsion_is_suspected() -> None:
    assert "imaging.full_avulsion" in suggested({"onset": "sudden", "bruising": True, "age": 40})
    assert "imaging.full_avulsion" not in suggested({"onset": "gradual"})


def test_list_is_short_and_each_entry_explains_why() -> None:
    tests = evaluate({}).next_tests
    assert 0 < len(tests) <= MAX_NEXT_TESTS
    for test in tests:
        assert test.why.startswith(("Consider ", "Ask ", "Grade "))
        assert test.name
