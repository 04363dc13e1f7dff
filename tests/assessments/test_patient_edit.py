from django.urls import reverse
from django.utils import timezone

from pht.models import AccessLog


def url(patient):
    return reverse("assessments:patient_edit", args=[patient.pk])


def form_data(patient, **overrides):
    data = {
        "identifier": patient.identifier,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "email": patient.email,
        "phone": patient.phone,
        "notes": patient.notes,
    }
    data.update(overrides)
    return data


def test_a_clinician_edits_a_patient(clinician_client, patient):
    response = clinician_client.post(url(patient), form_data(patient, phone="07700 900123"))
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "07700 900123"


def test_the_change_is_audited_by_field_name_only(clinician_client, patient):
    clinician_client.post(url(patient), form_data(patient, phone="07700 900123"))
    log = AccessLog.objects.get(action="change")
    assert log.detail == "fields: phone"
    assert patient.history.count() == 2


def test_an_unchanged_form_writes_nothing(clinician_client, patient):
    clinician_client.post(url(patient), form_data(patient))
    assert patient.history.count() == 1
    assert not AccessLog.objects.filter(action="change").exists()


def test_invalid_input_changes_nothing(clinician_client, patient):
    response = clinician_client.post(
        url(patient), form_data(patient, given_name="", phone="1" * 40)
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.given_name == "Hannah"
    assert patient.history.count() == 1


def test_another_clinic_gets_404(other_client, patient):
    assert other_client.get(url(patient)).status_code == 404
    assert other_client.post(url(patient), form_data(patient, given_name="X")).status_code == 404
    patient.refresh_from_db()
    assert patient.given_name == "Hannah"


def test_an_archived_patient_cannot_be_edited(clinician_client, patient):
    patient.archived_at = timezone.now()
    patient.save()
    response = clinician_client.post(url(patient), form_data(patient, given_name="Changed"))
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.given_name == "Hannah"
