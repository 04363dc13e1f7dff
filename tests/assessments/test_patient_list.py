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


def family_names(response):
    return [p.family_name for p in response.context["page"].object_list]


def test_it_pages_the_list_in_order_with_previous_and_next(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 5
    for n in range(12):
        PatientFactory(clinic=clinic_a, family_name=f"Family{n:02d}")
    first, second, third = (clinician_client.get(URL, {"page": n}) for n in (1, 2, 3))
    assert family_names(first) == [f"Family{n:02d}" for n in range(5)]
    assert family_names(second) == [f"Family{n:02d}" for n in range(5, 10)]
    assert family_names(third) == ["Family10", "Family11"]
    assert b"Page 1</span>" in first.content
    assert b'page=2" rel="next"' in first.content and b'rel="prev"' not in first.content
    assert b'page=1" rel="prev"' in second.content and b'page=3" rel="next"' in second.content
    assert b'page=2" rel="prev"' in third.content and b'rel="next"' not in third.content


def test_paging_keeps_the_search(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 2
    for n in range(3):
        PatientFactory(clinic=clinic_a, family_name=f"Wilde{n}")
    PatientFactory(clinic=clinic_a, family_name="Other")
    first = clinician_client.get(URL, {"q": "wilde"})
    assert b'?q=wilde&amp;page=2" rel="next"' in first.content
    assert family_names(clinician_client.get(URL, {"q": "wilde", "page": 2})) == ["Wilde2"]


def test_a_full_last_page_has_no_next_link(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 2
    PatientFactory(clinic=clinic_a, family_name="A")
    PatientFactory(clinic=clinic_a, family_name="B")
    response = clinician_client.get(URL)
    assert family_names(response) == ["A", "B"]
    assert b'rel="next"' not in response.content
    assert b'aria-label="Pages"' not in response.content


def test_a_page_past_the_end_is_empty_and_offers_the_first_page(clinician_client, patient):
    response = clinician_client.get(URL, {"page": 7})
    assert response.status_code == 200
    assert names(response) == []
    assert b"No more patients on page 7" in response.content
    assert b'href="?page=1"' in response.content


@pytest.mark.parametrize("page", ["abc", "0", "-3", ""])
def test_a_bad_page_number_shows_the_first_page(clinician_client, patient, page):
    response = clinician_client.get(URL, {"page": page})
    assert response.status_code == 200
    assert names(response) == ["NS-0001"]
    assert response.context["page"].number == 1


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
    # session, user, membership, page (one row more than a page; no COUNT)
    assert _count_queries(clinician_client) == 4
