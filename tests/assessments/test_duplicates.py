"""Likely duplicates and name hygiene (assessments/duplicates.py): pure functions."""

import datetime

import pytest

from assessments.duplicates import (
    DuplicateIndex,
    Person,
    edit_distance,
    name_problem,
    same_person_likely,
    skeleton,
)

BORN = datetime.date(1988, 3, 4)


def person(given, family, born=BORN, key=None):
    return Person(
        key=key or (given, family, born), given_name=given, family_name=family, date_of_birth=born
    )


HARRIET = person("Harriet", "Lowe")


@pytest.mark.parametrize(
    ("given", "family", "born"),
    [
        ("Harriett", "Lowe", BORN),  # one letter added
        ("Hariet", "Lowe", BORN),  # one letter missing
        ("Harriet", "Lowe", datetime.date(1988, 4, 3)),  # day and month swapped
        ("Lowe", "Harriet", BORN),  # given and family names swapped
        ("HARRIET", "LOWE", BORN),  # capitals
        ("Harriët", "Lowe", BORN),  # an accent
        ("\u041darriet", "Lowe", BORN),  # a Cyrillic capital En for the H
        ("Harriet Anne", "Lowe", BORN),  # a second given name
        ("Harriet", "Low", BORN),  # family name typo
    ],
)
def test_close_names_with_the_same_or_swapped_birth_date_are_likely_one_person(given, family, born):
    assert same_person_likely(HARRIET, person(given, family, born))


@pytest.mark.parametrize(
    ("given", "family", "born"),
    [
        ("Harriet", "Lowe", datetime.date(1988, 3, 5)),  # another day
        ("Harry", "Lowe", BORN),  # another given name
        ("Harriet", "Lewis", BORN),  # another family name
        ("Anne", "Lowe", BORN),
    ],
)
def test_other_people_are_not_flagged(given, family, born):
    assert not same_person_likely(HARRIET, person(given, family, born))


def test_a_swapped_letter_pair_is_one_edit():
    assert edit_distance("harriet", "hraript", limit=5) > 1
    assert edit_distance("lowe", "lwoe") == 1


def test_long_names_allow_two_typos_short_names_one():
    assert same_person_likely(person("Alexandra", "Smith"), person("Aleksandra", "Smith"))
    assert not same_person_likely(person("Ann", "Lee"), person("Ian", "Lee"))


def test_skeleton_folds_case_accents_punctuation_and_look_alike_letters():
    assert skeleton("O'Brien") == "obrien"
    assert skeleton("Zoë") == "zoe"
    assert skeleton("\ufb01ona") == "fiona"  # the "fi" ligature
    assert skeleton("Ｈarriet") == "harriet"  # a full-width H
    assert skeleton("\u041d\u0430rriet") == "harriet"  # Cyrillic En and a


@pytest.mark.parametrize(
    "name",
    [
        "Har\u200briet",
        "Har\u200driet",
        "\ufeffHarriet",
        "Harriet\u202e",
        "Har\u2066riet",
        "Har\x07riet",
    ],
)
def test_invisible_direction_and_control_characters_are_refused(name):
    assert name_problem(name) is not None


def test_a_word_mixing_alphabets_is_refused_with_the_alphabets_named():
    problem = name_problem("H\u0430rriet")  # Cyrillic a
    assert problem is not None and "Cyrillic and Latin" in problem


@pytest.mark.parametrize(
    "name", ["Harriet", "O'Brien", "Zoë", "Наталья", "Σοφία", "Anne-Marie", "van der Berg"]
)
def test_ordinary_names_in_any_one_alphabet_are_accepted(name):
    assert name_problem(name) is None


def test_the_index_compares_only_people_born_on_the_same_or_swapped_date():
    index = DuplicateIndex(
        [
            person("Harriett", "Lowe", key=1),
            person("Harriet", "Lowe", datetime.date(1988, 4, 3), key=2),
            person("Harriet", "Lowe", datetime.date(1990, 3, 4), key=3),
        ]
    )
    assert {p.key for p in index.matches(HARRIET)} == {1, 2}


def test_index_pairs_lists_each_likely_pair_once():
    index = DuplicateIndex([person("Harriet", "Lowe", key=1), person("Harriett", "Lowe", key=2)])
    assert len(index.pairs()) == 1


def test_the_patient_service_refuses_a_hidden_character_whoever_calls_it(clinic_a, clinician):
    from django.core.exceptions import ValidationError

    from assessments import services
    from assessments.models import Patient
    from pht.audit import Actor

    with pytest.raises(ValidationError):
        services.create_patient(
            actor=Actor(user=clinician, clinic=clinic_a),
            data={
                "identifier": "NS-0200",
                "given_name": "Grace\u200b",
                "family_name": "Adeyemi",
                "date_of_birth": datetime.date(1991, 2, 11),
                "sex": "female",
            },
        )
    assert not Patient.objects.exists()
