import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Patient
from pht.models import AccessLog
from tests.factories import PatientFactory

URL = reverse("assessments:patient_create")


def valid(**overrides):
    data = {
        "identifier": "NS-0100",
        "given_name": "Grace",
        "family_name": "Adeyemi",
        "date_of_birth": "1991-02-11",
        "sex": "female",
        "email": "",
        "phone": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_it_shows_the_form(clinician_client):
    response = clinician_client.get(URL)
    assert response.status_code == 200
    assert b'for="id_identifier"' in response.content


def test_it_creates_a_patient_in_the_users_clinic(clinician_client, clinic_a):
    response = clinician_client.post(URL, valid())
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:patient_detail", args=[patient.pk])
    assert patient.clinic == clinic_a
    assert patient.family_name == "Adeyemi"


def test_it_records_history_and_the_access_log(clinician_client, clinician):
    clinician_client.post(URL, valid(), REMOTE_ADDR="10.1.2.3")
    patient = Patient.objects.get()
    assert patient.history.get().history_user == clinician
    log = AccessLog.objects.get(action="create")
    assert (log.user, log.patient_id, log.ip_address) == (clinician, patient.pk, "10.1.2.3")


def test_a_future_date_of_birth_is_refused(clinician_client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = clinician_client.post(URL, valid(date_of_birth=tomorrow.isoformat()))
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "field,length", [("given_name", 101), ("family_name", 101), ("identifier", 41), ("notes", 5001)]
)
def test_overlong_fields_are_refused(clinician_client, field, length):
    response = clinician_client.post(URL, valid(**{field: "a" * length}))
    assert response.status_code == 200
    assert "Ensure this value has at most" in response.content.decode()
    assert not Patient.objects.exists()


def test_a_duplicate_identifier_is_refused_whatever_its_case(clinician_client, patient):
    response = clinician_client.post(URL, valid(identifier="ns-0001"))
    assert response.status_code == 200
    assert "already has this identifier" in response.content.decode()
    assert Patient.objects.count() == 1


def test_the_same_identifier_is_allowed_in_another_clinic(clinician_client, other_patient):
    response = clinician_client.post(URL, valid(identifier="SS-0001"))
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_an_identifier_with_odd_characters_is_refused(clinician_client):
    response = clinician_client.post(URL, valid(identifier="<script>"))
    assert "Use letters, digits" in response.content.decode()
    assert not Patient.objects.exists()


def test_missing_required_fields_are_reported_and_nothing_is_saved(clinician_client):
    response = clinician_client.post(URL, {})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 5
    assert not Patient.objects.exists()


def test_a_likely_duplicate_is_reported_before_saving(clinician_client, clinic_a):
    PatientFactory(
        clinic=clinic_a,
        given_name="Grace",
        family_name="Adeyemi",
        date_of_birth=datetime.date(1991, 2, 11),
    )
    response = clinician_client.post(URL, valid(given_name="GRACE"))
    assert response.status_code == 200
    assert "Possible duplicate" in response.content.decode()
    assert Patient.objects.count() == 1


def test_a_confirmed_non_duplicate_is_saved(clinician_client, clinic_a):
    PatientFactory(
        clinic=clinic_a,
        given_name="Grace",
        family_name="Adeyemi",
        date_of_birth=datetime.date(1991, 2, 11),
    )
    response = clinician_client.post(URL, valid(confirm_not_duplicate="on"))
    assert response.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.parametrize(
    ("given", "family", "born"),
    [
        ("Gracee", "Adeyemi", "1991-02-11"),  # a typo
        ("Adeyemi", "Grace", "1991-02-11"),  # given and family names swapped
        ("Grace", "Adeyemi", "1991-11-02"),  # day and month of birth swapped
    ],
)
def test_a_near_duplicate_is_reported_before_saving(
    clinician_client, clinic_a, given, family, born
):
    PatientFactory(
        clinic=clinic_a,
        given_name="Grace",
        family_name="Adeyemi",
        date_of_birth=datetime.date(1991, 2, 11),
    )
    response = clinician_client.post(
        URL, valid(given_name=given, family_name=family, date_of_birth=born)
    )
    assert response.status_code == 200
    assert "Possible duplicate" in response.content.decode()
    assert Patient.objects.count() == 1


@pytest.mark.parametrize(
    "family",
    [
        "Adey\u200bemi",
        "Adeyemi\u202e",
        "\u0410deyemi",
    ],  # zero-width space, RTL override, Cyrillic A
)
def test_a_name_with_hidden_or_look_alike_characters_is_refused(clinician_client, family):
    response = clinician_client.post(URL, valid(family_name=family))
    assert response.status_code == 200
    assert "Retype the name" in response.content.decode()
    assert not Patient.objects.exists()


def test_a_namesake_in_another_clinic_is_not_a_duplicate(clinician_client, clinic_b):
    PatientFactory(
        clinic=clinic_b,
        given_name="Grace",
        family_name="Adeyemi",
        date_of_birth=datetime.date(1991, 2, 11),
    )
    assert clinician_client.post(URL, valid()).status_code == 302


def test_a_user_without_a_clinic_is_refused(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nomad"))
    assert client.post(URL, valid()).status_code == 403
    assert not Patient.objects.exists()
