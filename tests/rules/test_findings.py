"""Validation of the findings dict against the vocabulary (FINDINGS.md)."""

import pytest

from pht.rules import FINDINGS, IMAGING_FINDINGS, FindingsError, validate
from pht.rules.findings import flatten


def errors_for(raw: object) -> list[str]:
    with pytest.raises(FindingsError) as excinfo:
        validate(raw)
    return excinfo.value.errors


def test_empty_findings_are_valid() -> None:
    assert validate({}) == {}


def test_a_full_valid_record_is_returned_unchanged() -> None:
    raw = {
        "age": 40,
        "sex": "female",
        "duration_weeks": 12.5,
        "pain_location": ["ischial_tuberosity", "posterior_thigh"],
        "modified_bent_knee_stretch": "negative",
        "sij_provocation_positive_count": 0,
        "imaging": {"mri": "thickened origin", "tendon_thickening": True},
    }
    assert validate(raw) == raw


def test_every_problem_is_reported_together_each_naming_its_key() -> None:
    errors = errors_for(
        {
            "agee": 40,
            "sex": "other",
            "pain_nprs_now": 11,
            "night_pain": "yes",
            "imaging": {"ct": "x", "full_avulsion": 1},
        }
    )
    assert len(errors) == 6
    for key in ("agee", "sex", "pain_nprs_now", "night_pain", "imaging.ct"):
        assert any(message.startswith(f"{key}:") for message in errors), key
    assert any(message.startswith("imaging.full_avulsion:") for message in errors)


def test_unknown_key_suggests_the_close_name() -> None:
    [message] = errors_for({"agee": 40})
    assert 'did you mean "age"' in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("age", True),  # bool where an int is expected
        ("age", 40.0),  # float for an int field
        ("age", 4),  # below 5
        ("age", 111),
        ("sitting_tolerance_min", -1),
        ("sij_provocation_positive_count", 6),
        ("visa_h", 101),
        ("duration_weeks", -0.5),
        ("duration_weeks", True),
        ("duration_weeks", float("nan")),
        ("duration_weeks", "3"),
        ("night_pain", 1),
        ("night_pain", None),
        ("onset", "Gradual"),
        ("puranen_orava", "pos"),
        ("pain_location", "ischial_tuberosity"),
        ("pain_location", ["knee"]),
        ("pain_location", ["groin", "groin"]),
        ("sport", 3),
        ("imaging", ["mri"]),
    ],
)
def test_bad_value_is_rejected(key: str, value: object) -> None:
    [message] = errors_for({key: value})
    assert message.startswith(f"{key}:")


def test_not_a_mapping_is_rejected() -> None:
    [message] = errors_for([{"age": 40}])
    assert "object" in message


def test_duration_weeks_accepts_int_and_float() -> None:
    assert validate({"duration_weeks": 0}) == {"duration_weeks": 0}
    assert validate({"duration_weeks": 2.5}) == {"duration_weeks": 2.5}


def test_a_provocation_test_recorded_as_bool_is_normalised() -> None:
    clean = validate({"puranen_orava": False, "bent_knee_stretch": True})
    assert clean == {"puranen_orava": "negative", "bent_knee_stretch": "positive"}


def test_validation_returns_a_copy() -> None:
    raw = {"pain_location": ["groin"]}
    clean = validate(raw)
    clean["pain_location"].append("below_knee")
    assert raw == {"pain_location": ["groin"]}


def test_flatten_lifts_imaging_flags_and_drops_free_text() -> None:
    flat = flatten(
        validate({"sport": "running", "imaging": {"mri": "text", "partial_tear": False}})
    )
    assert flat == {"imaging.partial_tear": False}


def test_vocabulary_is_exposed_as_data_with_labels_and_sections() -> None:
    keys = [spec.key for spec in FINDINGS]
    assert len(keys) == len(set(keys))
    assert {spec.section for spec in FINDINGS} == {
        "history",
        "red_flags",
        "examination",
        "imaging",
    }
    for spec in (*FINDINGS, *IMAGING_FINDINGS):
        assert spec.label and spec.label[0].isupper(), spec.key
    assert [spec.key for spec in IMAGING_FINDINGS][:3] == ["mri", "ultrasound", "xray"]
