import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import PatientFactory

URL = reverse("assessments:patient_list")


def names(response):
    return [p.identifier for p in response.context["page"].object_list]


def test_it_lists_only_the_users_clinic(clinician_client, patient, other_patient):
    response = clinician_client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["NS-0001"]
    assert b"Lindqvist" not in response.content.upper() and b"LINDQVIST" not in response.content


def test_search_is_case_insensitive_on_family_name(clinician_client, patient):
    response = clinician_client.get(URL, {"q": "cLaRk"})
    assert names(response) == ["NS-0001"]


def test_search_matches_given_name_and_identifier(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0002", given_name="Oscar", family_name="Wilde")
    assert names(clinician_client.get(URL, {"q": "hann"})) == ["NS-0001"]
    assert names(clinician_client.get(URL, {"q": "ns-0002"})) == ["NS-0002"]


def test_every_word_must_match(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0002", given_name="Hannah", family_name="Wilde")
    assert names(clinician_client.get(URL, {"q": "hannah clarke"})) == ["NS-0001"]


def test_search_never_finds_another_clinics_patient(clinician_client, other_patient):
    response = clinician_client.get(URL, {"q": "Lindqvist"})
    assert names(response) == []
    assert b"No patients match" in response.content


def test_archived_patients_are_hidden_by_default(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0009", archived_at=timezone.now())
    assert names(clinician_client.get(URL)) == ["NS-0001"]
    assert names(clinician_client.get(URL, {"archived": "on"})) == ["NS-0009"]


def test_it_pages_the_list(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 5
    for n in range(12):
        PatientFactory(clinic=clinic_a, family_name=f"Family{n:02d}")
    first, third = clinician_client.get(URL), clinician_client.get(URL, {"page": 3})
    assert len(names(first)) == 5
    assert len(names(third)) == 2
    assert b"Page 1 of 3" in first.content


def test_a_bad_page_number_shows_a_valid_page(clinician_client, patient):
    response = clinician_client.get(URL, {"page": "abc"})
    assert response.status_code == 200
    assert names(response) == ["NS-0001"]


def test_an_overlong_query_is_refused_with_a_message(clinician_client, patient):
    response = clinician_client.get(URL, {"q": "x" * 500})
    assert response.status_code == 200
    assert b"at most 100 characters" in response.content


def _count_queries(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("rows", [3, 30])
def test_query_count_does_not_grow_with_rows(clinician_client, clinic_a, rows, settings):
    settings.PATIENTS_PER_PAGE = 25
    for _ in range(rows):
        PatientFactory(clinic=clinic_a)
    # session, user, membership, count, page
    assert _count_queries(clinician_client) == 5
