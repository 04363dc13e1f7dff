"""The clinic's possible duplicates (/patients/duplicates/) and "not the same person"."""

import datetime

import pytest
from django.urls import reverse

from assessments import selectors, services
from assessments.forms import RECORD_NOT_FOUND
from assessments.models import NotDuplicate
from pht.audit import Actor
from pht.models import AccessLog
from tests.factories import PatientFactory, make_assessment
from tests.security.test_url_matrix import fingerprint

URL = reverse("assessments:patient_duplicates")
BORN = datetime.date(1985, 6, 15)  # the cast's patient


@pytest.fixture
def twin(clinic_a):
    """The cast's Hannah Clarke registered again: a typo in the given name."""
    return PatientFactory(
        clinic=clinic_a,
        identifier="NS-0042",
        given_name="Hanna",
        family_name="Clarke",
        date_of_birth=BORN,
        phone="07700 900123",
    )


@pytest.fixture
def stranger(clinic_a):
    """Another patient of the clinic, born the same day: not a likely duplicate."""
    return PatientFactory(
        clinic=clinic_a, given_name="Oliver", family_name="Mensah", date_of_birth=BORN
    )


@pytest.fixture
def actor(clinic_admin, clinic_a):
    return Actor(clinic_admin, clinic_a)


def pairs(response) -> list[set]:
    return [{a.identifier, b.identifier} for a, b in response.context["page"].object_list]


def not_same(client, patient, other, undo=False):
    name = "patient_not_duplicate_undo" if undo else "patient_not_duplicate"
    return client.post(reverse(f"assessments:{name}", args=[patient.pk]), {"other": other.pk})


def test_a_likely_pair_is_listed_side_by_side(admin_client_a, patient, twin, stranger, clinician):
    make_assessment(patient=patient, user=clinician, assessed_on=datetime.date(2026, 11, 2))
    response = admin_client_a.get(URL)
    assert response.status_code == 200
    assert pairs(response) == [{"NS-0001", "NS-0042"}]
    page = response.content.decode()
    for text in ("CLARKE, Hannah", "CLARKE, Hanna", "15 Jun 1985", "07700 900123", "2 Nov 2026"):
        assert text in page
    first, second = response.context["page"].object_list[0]
    counts = {p.identifier: (p.assessment_count, p.last_assessed) for p in (first, second)}
    assert counts == {"NS-0001": (1, datetime.date(2026, 11, 2)), "NS-0042": (0, None)}
    merge = reverse("assessments:patient_merge", args=[first.pk]) + f"?with={second.pk}"
    assert merge in page
    assert "Not the same person" in page


def test_an_archived_record_is_listed_as_archived(admin_client_a, actor, patient, twin):
    services.archive_patient(actor=actor, patient=twin)
    response = admin_client_a.get(URL)
    assert pairs(response) == [{"NS-0001", "NS-0042"}]
    assert ">Archived</span>" in response.content.decode()


def test_merged_records_are_not_listed(admin_client_a, actor, patient, twin):
    services.merge_patients(actor=actor, kept=patient, merged=twin)
    assert pairs(admin_client_a.get(URL)) == []


def test_the_list_follows_a_change_of_name(admin_client_a, actor, patient, twin):
    assert pairs(admin_client_a.get(URL)) == [{"NS-0001", "NS-0042"}]
    services.update_patient(actor=actor, patient=twin, data={"given_name": "Margaret"})
    assert pairs(admin_client_a.get(URL)) == []


def test_each_view_of_the_list_writes_one_access_log_row(admin_client_a, patient, twin):
    admin_client_a.get(URL + "?page=1")
    row = AccessLog.objects.get()
    assert (row.action, row.object_type, row.detail) == ("view", "possible duplicates", "page 1")


def test_the_list_is_paged(admin_client_a, clinic_a):
    for n in range(12):
        born = BORN + datetime.timedelta(days=n)
        PatientFactory(clinic=clinic_a, given_name="Anna", family_name="Berg", date_of_birth=born)
        PatientFactory(clinic=clinic_a, given_name="Ana", family_name="Berg", date_of_birth=born)
    first = admin_client_a.get(URL)
    second = admin_client_a.get(URL + "?page=2")
    assert len(first.context["page"].object_list) == 10
    assert first.context["page"].has_next
    assert len(second.context["page"].object_list) == 2
    assert not second.context["page"].has_next


def test_a_clinician_may_not_see_the_list(clinician_client, patient, twin):
    assert clinician_client.get(URL).status_code == 403


def test_the_patient_list_links_to_it_for_clinic_admins_only(
    admin_client_a, clinician_client, patient
):
    patients = reverse("assessments:patient_list")
    assert URL in admin_client_a.get(patients).content.decode()
    assert URL not in clinician_client.get(patients).content.decode()


# --- "not the same person" -----------------------------------------------------------------


def test_not_the_same_person_removes_the_pair_and_records_who_and_when(
    admin_client_a, patient, twin, clinic_admin
):
    response = not_same(admin_client_a, twin, patient)
    assert response.status_code == 302
    decision = NotDuplicate.objects.get()
    assert {decision.first_id, decision.second_id} == {patient.pk, twin.pk}
    assert decision.decided_by == clinic_admin and decision.decided_at is not None
    assert decision.history.get().history_user == clinic_admin
    logged = AccessLog.objects.filter(action="change").values_list("patient_id", "detail")
    assert set(logged) == {
        (patient.pk, "not the same person as NS-0042"),
        (twin.pk, "not the same person as NS-0001"),
    }
    assert pairs(admin_client_a.get(URL)) == []


def test_the_decision_is_listed_and_can_be_undone(admin_client_a, patient, twin, clinic_admin):
    not_same(admin_client_a, patient, twin)
    page = admin_client_a.get(URL).content.decode()
    assert "Marked “not the same person”" in page and "Undo" in page
    response = not_same(admin_client_a, patient, twin, undo=True)
    assert response.status_code == 302
    assert not NotDuplicate.objects.exists()
    assert pairs(admin_client_a.get(URL)) == [{"NS-0001", "NS-0042"}]
    # The decision and its withdrawal stay in its history.
    assert [h.history_type for h in NotDuplicate.history.order_by("history_date")] == ["+", "-"]


def test_marking_twice_records_one_decision(admin_client_a, patient, twin):
    not_same(admin_client_a, patient, twin)
    not_same(admin_client_a, twin, patient)
    assert NotDuplicate.objects.count() == 1


@pytest.mark.parametrize("other", ["itself", "other_clinic", "bogus", "missing"])
def test_a_wrong_other_record_is_refused_and_changes_nothing(
    admin_client_a, patient, other_patient, other
):
    ids = {"itself": patient.pk, "other_clinic": other_patient.pk, "bogus": "x", "missing": ""}
    before = fingerprint()
    url = reverse("assessments:patient_not_duplicate", args=[patient.pk])
    response = admin_client_a.post(url, {"other": ids[other]}, follow=True)
    assert response.status_code == 200
    expected = "Choose two different records." if other == "itself" else RECORD_NOT_FOUND
    assert expected in response.content.decode()
    assert fingerprint() == before


def test_a_clinician_may_not_mark_a_pair(clinician_client, patient, twin):
    assert not_same(clinician_client, patient, twin).status_code == 403
    assert not NotDuplicate.objects.exists()


def test_the_pairs_come_from_the_duplicate_index(clinic_a, patient, twin, stranger):
    pairs = selectors.duplicate_pairs(clinic_a.pk)
    assert [set(p) for p in pairs] == [{patient.pk, twin.pk}]


def test_a_new_registration_is_matched_against_the_cached_pairs(
    admin_client_a, actor, patient, twin, clinic_a
):
    assert pairs(admin_client_a.get(URL)) == [{"NS-0001", "NS-0042"}]  # cached
    services.create_patient(
        actor=actor,
        data={
            "identifier": "NS-0077",
            "given_name": "Oliver",
            "family_name": "Mensa",
            "date_of_birth": datetime.date(1990, 4, 3),
            "sex": "male",
        },
    )
    PatientFactory(
        clinic=clinic_a, given_name="Oliver", family_name="Mensah", date_of_birth=BORN
    )  # no pair: another date of birth
    services.create_patient(
        actor=actor,
        data={
            "identifier": "NS-0078",
            "given_name": "Mensah",
            "family_name": "Oliver",
            "date_of_birth": datetime.date(1990, 3, 4),  # day and month swapped, names too
            "sex": "male",
        },
    )
    assert sorted(map(sorted, pairs(admin_client_a.get(URL)))) == [
        ["NS-0001", "NS-0042"],
        ["NS-0077", "NS-0078"],
    ]


def test_a_change_of_date_of_birth_is_matched_again(admin_client_a, actor, patient, twin):
    assert pairs(admin_client_a.get(URL)) == [{"NS-0001", "NS-0042"}]
    services.update_patient(
        actor=actor, patient=twin, data={"date_of_birth": datetime.date(1985, 6, 16)}
    )
    assert pairs(admin_client_a.get(URL)) == []
    services.update_patient(actor=actor, patient=twin, data={"date_of_birth": BORN})
    assert pairs(admin_client_a.get(URL)) == [{"NS-0001", "NS-0042"}]
