"""Every export URL: another clinic gets 404, each export writes one access-log row."""

import pytest
from django.urls import reverse

from pht.models import AccessLog

ASSESSMENT_URLS = [
    "exports:assessment_summary",
    "exports:assessment_summary_pdf",
    "exports:assessment_fhir",
]
PATIENT_URLS = ["exports:patient_fhir", "exports:patient_csv"]


@pytest.mark.parametrize("name", ASSESSMENT_URLS)
def test_another_clinic_gets_404_for_an_assessment_export(other_client, signed_assessment, name):
    assert other_client.get(reverse(name, args=[signed_assessment.pk])).status_code == 404
    assert not AccessLog.objects.filter(action="export").exists()


@pytest.mark.parametrize("name", PATIENT_URLS)
def test_another_clinic_gets_404_for_a_patient_export(other_client, patient, name):
    assert other_client.get(reverse(name, args=[patient.pk])).status_code == 404
    assert not AccessLog.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("exports:assessment_summary", "summary print view"),
        ("exports:assessment_summary_pdf", "summary PDF"),
        ("exports:assessment_fhir", "FHIR R4 document"),
        ("exports:patient_fhir", "FHIR R4 collection of 1 assessment(s)"),
        ("exports:patient_csv", "patient CSV"),
    ],
)
def test_each_export_is_logged_and_shown_in_the_record_audit_trail(
    clinician_client, admin_client_a, signed_assessment, name, detail
):
    obj = signed_assessment if name in ASSESSMENT_URLS else signed_assessment.patient
    response = clinician_client.get(reverse(name, args=[obj.pk]))
    assert response.status_code == 200
    entry = AccessLog.objects.get(action="export")
    assert (entry.username, entry.detail) == ("ada", detail)
    assert entry.patient_id == signed_assessment.patient_id
    page = admin_client_a.get(
        reverse("assessments:patient_detail", args=[signed_assessment.patient_id])
    ).content.decode()
    assert "Exported" in page
    assert detail in page


def test_the_clinic_csv_is_logged_with_its_filters(admin_client_a, signed_assessment):
    response = admin_client_a.get(
        reverse("exports:clinic_csv"), {"signed_only": "on", "date_from": "2026-01-01"}
    )
    b"".join(response.streaming_content)
    entry = AccessLog.objects.get(action="export")
    assert entry.username == "cara"
    assert entry.object_type == "assessments"
    assert entry.detail == "clinic CSV; from 2026-01-01, signed only"
