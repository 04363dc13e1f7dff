import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from pht.audit import Actor
from pht.models import AccessLog
from tests.factories import audit_write_queries


def url(patient):
    return reverse("assessments:patient_detail", args=[patient.pk])


def test_it_shows_the_record(clinician_client, patient):
    response = clinician_client.get(url(patient))
    assert response.status_code == 200
    assert b"CLARKE, Hannah" in response.content


def test_viewing_is_logged(clinician_client, clinician, patient):
    clinician_client.get(url(patient))
    log = AccessLog.objects.get()
    assert (log.action, log.user, log.patient_id) == ("view", clinician, patient.pk)


def test_a_clinician_does_not_see_the_audit_trail(clinician_client, patient):
    assert b"Audit trail" not in clinician_client.get(url(patient)).content


def test_a_clinic_admin_sees_who_did_what(admin_client_a, clinician, clinic_a, patient):
    services.update_patient(
        actor=Actor(clinician, clinic_a), patient=patient, data={"phone": "123"}
    )
    content = admin_client_a.get(url(patient)).content.decode()
    assert "Audit trail" in content
    assert "Changed patient" in content
    assert "fields: phone" in content


def test_another_clinic_gets_404(other_client, patient):
    assert other_client.get(url(patient)).status_code == 404
    assert not AccessLog.objects.exists()


def test_an_unknown_uuid_gets_404(clinician_client, db):
    assert (
        clinician_client.get("/patients/00000000-0000-0000-0000-000000000000/").status_code == 404
    )


@pytest.mark.parametrize("edits", [1, 20])
def test_admin_record_query_count_does_not_grow_with_history(
    admin_client_a, clinician, clinic_a, patient, edits
):
    actor = Actor(clinician, clinic_a)
    for n in range(edits):
        services.update_patient(actor=actor, patient=patient, data={"phone": str(n)})
    with CaptureQueriesContext(connection) as ctx:
        assert admin_client_a.get(url(patient)).status_code == 200
    # The base queries plus one access-log write (the view is audited).
    assert len(ctx) == BASE_ADMIN_RECORD_QUERIES + audit_write_queries()


# session, user, membership, patient, records merged into it, assessments, VISA-H, plans,
# reviews (trends), history, access log = 11
BASE_ADMIN_RECORD_QUERIES = 11
