"""Dates of birth are typed and shown day first, as a UK clinic writes them (issue 14)."""

import datetime

import pytest
from django import forms
from django.urls import reverse

from assessments.models import Patient

URL = reverse("assessments:patient_create")


def register(client, born):
    return client.post(
        URL,
        {
            "identifier": "NS-0100",
            "given_name": "Grace",
            "family_name": "Adeyemi",
            "date_of_birth": born,
            "sex": "female",
        },
    )


@pytest.mark.parametrize(
    "typed",
    [
        "11/02/1991",
        "11/2/1991",
        "11.02.1991",
        "11-02-1991",
        "11 Feb 1991",
        "11 February 1991",
        "1991-02-11",
        "11/02/91",
    ],
)
def test_the_date_of_birth_is_typed_day_first_in_several_formats(clinician_client, typed):
    assert register(clinician_client, typed).status_code == 302
    assert Patient.objects.get().date_of_birth == datetime.date(1991, 2, 11)


def test_an_ambiguous_date_is_read_day_first(clinician_client):
    register(clinician_client, "03/04/1991")
    assert Patient.objects.get().date_of_birth == datetime.date(1991, 4, 3)


@pytest.mark.parametrize("typed", ["02/31/1991", "31/02/1991", "1991-13-01", "yesterday"])
def test_a_date_that_is_not_one_is_refused_with_a_message(clinician_client, typed):
    response = register(clinician_client, typed)
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert not Patient.objects.exists()


def test_the_field_is_shown_day_first_and_says_so(clinician_client, patient):
    content = clinician_client.get(
        reverse("assessments:patient_edit", args=[patient.pk])
    ).content.decode()
    # The cast's patient was born on 15 June 1985.
    assert 'name="date_of_birth" value="15/06/1985"' in content
    assert 'placeholder="dd/mm/yyyy"' in content
    assert "Day first, for example 14/03/1988." in content
    assert 'type="date"' not in content.split('name="date_of_birth"')[0].rsplit("<input", 1)[1]


def test_every_date_field_accepts_day_first_input():
    """The project's en_GB input formats (pht/formats) apply to every form's date fields."""
    field = forms.DateField()
    for typed in ("14/03/2026", "14.03.2026", "14 Mar 2026", "2026-03-14"):
        assert field.clean(typed) == datetime.date(2026, 3, 14)
