from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("patients/", views.patient_list, name="patient_list"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/duplicates/", views.patient_duplicates, name="patient_duplicates"),
    path("patients/import/", views.patient_import, name="patient_import"),
    path(
        "patients/import/template.csv",
        views.patient_import_template,
        name="patient_import_template",
    ),
    path(
        "patients/import/<uuid:import_id>/",
        views.patient_import_detail,
        name="patient_import_detail",
    ),
    path(
        "patients/import/<uuid:import_id>/commit/",
        views.patient_import_commit,
        name="patient_import_commit",
    ),
    path(
        "patients/import/<uuid:import_id>/cancel/",
        views.patient_import_cancel,
        name="patient_import_cancel",
    ),
    path(
        "patients/import/<uuid:import_id>/progress.json",
        views.patient_import_progress,
        name="patient_import_progress",
    ),
    path(
        "patients/import/<uuid:import_id>/report.csv",
        views.patient_import_report,
        name="patient_import_report",
    ),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patients/<uuid:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<uuid:patient_id>/archive/", views.patient_archive, name="patient_archive"),
    path("patients/<uuid:patient_id>/restore/", views.patient_restore, name="patient_restore"),
    path("patients/<uuid:patient_id>/merge/", views.patient_merge, name="patient_merge"),
    path(
        "patients/<uuid:patient_id>/not-duplicate/",
        views.patient_not_duplicate,
        name="patient_not_duplicate",
    ),
    path(
        "patients/<uuid:patient_id>/not-duplicate/undo/",
        views.patient_not_duplicate_undo,
        name="patient_not_duplicate_undo",
    ),
    path(
        "patients/<uuid:patient_id>/assessments/new/",
        views.assessment_create,
        name="assessment_create",
    ),
    path(
        "patients/<uuid:patient_id>/assessments/panel/",
        views.assessment_panel,
        name="assessment_panel",
    ),
    path(
        "patients/<uuid:patient_id>/assessments/autosave/",
        views.assessment_autosave_new,
        name="assessment_autosave_new",
    ),
    path(
        "assessments/<uuid:assessment_id>/autosave/",
        views.assessment_autosave,
        name="assessment_autosave",
    ),
    path(
        "assessments/<uuid:assessment_id>/discard/",
        views.assessment_discard,
        name="assessment_discard",
    ),
    path("patients/<uuid:patient_id>/visa-h/new/", views.visa_h_create, name="visa_h_create"),
    path("visa-h/<uuid:response_id>/", views.visa_h_detail, name="visa_h_detail"),
    path("assessments/<uuid:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<uuid:assessment_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<uuid:assessment_id>/sign/", views.assessment_sign, name="assessment_sign"),
    path(
        "assessments/<uuid:assessment_id>/amend/", views.assessment_amend, name="assessment_amend"
    ),
    path(
        "assessments/<uuid:assessment_id>/reevaluate/",
        views.assessment_reevaluate,
        name="assessment_reevaluate",
    ),
]
