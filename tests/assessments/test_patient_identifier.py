"""A new patient's identifier is proposed from the clinic's prefix and sequence (NS-0043),
can be edited, and two registrations at once never get the same number (issue 14)."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse

from assessments import services
from assessments.models import Patient
from pht.audit import Actor
from tests.factories import PatientFactory

URL = reverse("assessments:patient_create")


@pytest.fixture
def numbered(clinic_a):
    clinic_a.identifier_prefix = "NS"
    clinic_a.next_identifier_number = 43
    clinic_a.save()
    return clinic_a


def proposal(client):
    form = client.get(URL).context["form"]
    assert form.initial["identifier"] == form.initial["proposed_identifier"]
    return form.initial["identifier"]


def details(given="Imogen", family="Achebe", **overrides):
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": "12/04/1988",
        "sex": "female",
        **overrides,
    }


def as_proposed(identifier, **overrides):
    return details(identifier=identifier, proposed_identifier=identifier, **overrides)


def test_the_form_proposes_the_clinics_next_number(clinician_client, numbered):
    response = clinician_client.get(URL)
    content = response.content.decode()
    assert 'name="identifier" value="NS-0043"' in content
    assert 'type="hidden" name="proposed_identifier" value="NS-0043"' in content
    assert "The clinic's next number." in content


def test_registering_as_proposed_takes_the_number(clinician_client, numbered):
    response = clinician_client.post(URL, as_proposed(proposal(clinician_client)))
    page = clinician_client.get(response["Location"]).content.decode()
    assert "Patient Imogen Achebe registered as NS-0043." in page
    patient = Patient.objects.get()
    assert patient.identifier == "NS-0043"
    numbered.refresh_from_db()
    assert numbered.next_identifier_number == 44
    assert proposal(clinician_client) == "NS-0044"


def test_two_forms_opened_at_once_give_two_numbers(clinician_client, colleague_client, numbered):
    mine, theirs = proposal(clinician_client), proposal(colleague_client)
    assert mine == theirs == "NS-0043"
    assert clinician_client.post(URL, as_proposed(mine)).status_code == 302
    response = colleague_client.post(URL, as_proposed(theirs, given="Oscar", family="Wilde"))
    assert response.status_code == 302
    assert sorted(Patient.objects.values_list("identifier", "given_name")) == [
        ("NS-0043", "Imogen"),
        ("NS-0044", "Oscar"),
    ]
    page = colleague_client.get(response["Location"]).content.decode()
    assert "registered as NS-0044" in page


def test_an_edited_identifier_is_kept_and_does_not_use_a_number(clinician_client, numbered):
    data = details(identifier="HOSP-778812", proposed_identifier="NS-0043")
    assert clinician_client.post(URL, data).status_code == 302
    assert Patient.objects.get().identifier == "HOSP-778812"
    numbered.refresh_from_db()
    assert numbered.next_identifier_number == 43


def test_an_edited_identifier_that_is_taken_is_refused(clinician_client, numbered, patient):
    data = details(identifier="ns-0001", proposed_identifier="NS-0043")
    response = clinician_client.post(URL, data)
    assert response.status_code == 200
    assert "already has this identifier" in response.content.decode()
    assert Patient.objects.count() == 1


def test_numbers_typed_by_hand_are_skipped(clinician_client, numbered):
    PatientFactory(clinic=numbered, identifier="NS-0043")
    PatientFactory(clinic=numbered, identifier="ns-0044")
    assert proposal(clinician_client) == "NS-0045"
    clinician_client.post(URL, as_proposed("NS-0045"))
    assert Patient.objects.filter(identifier="NS-0045").exists()
    numbered.refresh_from_db()
    assert numbered.next_identifier_number == 46


def test_a_long_run_of_taken_numbers_is_skipped(clinician_client, numbered):
    Patient.objects.bulk_create(
        PatientFactory.build(clinic=numbered, identifier=f"NS-{n:04d}") for n in range(43, 160)
    )
    assert proposal(clinician_client) == "NS-0160"


def test_a_proposal_taken_by_hand_meanwhile_gives_the_next_number(clinician_client, numbered):
    offered = proposal(clinician_client)
    PatientFactory(clinic=numbered, identifier="NS-0043")  # typed by a colleague meanwhile
    assert clinician_client.post(URL, as_proposed(offered)).status_code == 302
    assert Patient.objects.filter(given_name="Imogen").get().identifier == "NS-0044"


def test_numbering_belongs_to_each_clinic(clinician_client, numbered, clinic_b, other_patient):
    clinic_b.identifier_prefix = "NS"
    clinic_b.next_identifier_number = 43
    clinic_b.save()
    PatientFactory(clinic=clinic_b, identifier="NS-0043")
    assert proposal(clinician_client) == "NS-0043"


def test_without_a_prefix_identifiers_are_numbers(clinician_client, clinic_a):
    assert proposal(clinician_client) == "0001"
    clinician_client.post(URL, as_proposed("0001"))
    assert Patient.objects.get().identifier == "0001"


def test_the_settings_page_changes_the_next_proposal(admin_client_a, clinician_client, numbered):
    admin_client_a.post(
        reverse("clinic_settings"),
        {"name": numbered.name, "identifier_prefix": "NP", "next_identifier_number": "900"},
    )
    assert proposal(clinician_client) == "NP-0900"


def test_a_failed_registration_uses_no_number(clinician_client, numbered):
    response = clinician_client.post(URL, as_proposed("NS-0043", date_of_birth="31/02/1988"))
    assert response.status_code == 200
    numbered.refresh_from_db()
    assert numbered.next_identifier_number == 43
    assert not Patient.objects.exists()


def test_the_service_numbers_when_asked(clinician, numbered):
    actor = Actor(clinician, numbered)
    data = {
        "identifier": "ignored",
        "given_name": "Oscar",
        "family_name": "Wilde",
        "date_of_birth": datetime.date(1954, 10, 16),
    }
    first = services.create_patient(actor=actor, data=data, number_identifier=True)
    second = services.create_patient(actor=actor, data=data, number_identifier=True)
    assert (first.identifier, second.identifier) == ("NS-0043", "NS-0044")
    assert second.search_name == "wilde oscar ns0044"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent connections need PostgreSQL (CI); the test database of SQLite is one "
    "in-memory database shared between threads, without waiting locks",
)
@pytest.mark.django_db(transaction=True)
def test_registrations_at_the_same_moment_never_share_a_number():
    from django.db import connections

    from pht.models import Clinic
    from tests.factories import ClinicFactory, UserFactory

    clinic = ClinicFactory(name="Racing Clinic")
    Clinic.objects.filter(pk=clinic.pk).update(identifier_prefix="RC", next_identifier_number=1)
    clinic.refresh_from_db()
    user = UserFactory(username="racer")
    workers = 6
    start = threading.Barrier(workers)
    made: list[str] = []
    failures: list[BaseException] = []

    def register(n):
        try:
            start.wait()
            patient = services.create_patient(
                actor=Actor(user, clinic),
                data={
                    "identifier": "RC-0001",
                    "given_name": f"Runner{n}",
                    "family_name": "Race",
                    "date_of_birth": datetime.date(1990, 1, 1),
                },
                number_identifier=True,
            )
            made.append(patient.identifier)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(made) == [f"RC-{n:04d}" for n in range(1, workers + 1)]
    clinic.refresh_from_db()
    assert clinic.next_identifier_number == workers + 1
