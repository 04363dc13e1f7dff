from django.urls import reverse

from pht.models import AccessLog


def archive(patient):
    return reverse("assessments:patient_archive", args=[patient.pk])


def restore(patient):
    return reverse("assessments:patient_restore", args=[patient.pk])


def test_a_clinic_admin_archives_a_patient(admin_client_a, patient, clinic_admin):
    response = admin_client_a.post(archive(patient))
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.is_archived
    assert patient.archived_by == clinic_admin
    assert AccessLog.objects.filter(action="archive", patient_id=patient.pk).count() == 1


def test_archiving_keeps_the_record(admin_client_a, patient):
    admin_client_a.post(archive(patient))
    assert (
        admin_client_a.get(reverse("assessments:patient_detail", args=[patient.pk])).status_code
        == 200
    )


def test_a_clinic_admin_restores_a_patient(admin_client_a, patient):
    admin_client_a.post(archive(patient))
    admin_client_a.post(restore(patient))
    patient.refresh_from_db()
    assert not patient.is_archived
    assert AccessLog.objects.filter(action="restore").count() == 1


def test_a_clinician_may_not_archive(clinician_client, patient):
    assert clinician_client.post(archive(patient)).status_code == 403
    patient.refresh_from_db()
    assert not patient.is_archived


def test_archive_refuses_get(admin_client_a, patient):
    assert admin_client_a.get(archive(patient)).status_code == 405
    patient.refresh_from_db()
    assert not patient.is_archived


def test_archiving_twice_changes_nothing_more(admin_client_a, patient):
    admin_client_a.post(archive(patient))
    admin_client_a.post(archive(patient))
    assert AccessLog.objects.filter(action="archive").count() == 1
