from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.export_index, name="index"),
    path("exports/assessments.csv", views.clinic_csv, name="clinic_csv"),
    path("patients/<uuid:patient_id>/export.csv", views.patient_csv, name="patient_csv"),
    path("patients/<uuid:patient_id>/export.fhir.json", views.patient_fhir, name="patient_fhir"),
    path(
        "assessments/<uuid:assessment_id>/summary/",
        views.assessment_summary,
        name="assessment_summary",
    ),
    path(
        "assessments/<uuid:assessment_id>/summary.pdf",
        views.assessment_summary_pdf,
        name="assessment_summary_pdf",
    ),
    path(
        "assessments/<uuid:assessment_id>/fhir.json", views.assessment_fhir, name="assessment_fhir"
    ),
]
