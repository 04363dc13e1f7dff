from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("patients/", views.patient_list, name="patient_list"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patients/<uuid:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<uuid:patient_id>/archive/", views.patient_archive, name="patient_archive"),
    path("patients/<uuid:patient_id>/restore/", views.patient_restore, name="patient_restore"),
]
