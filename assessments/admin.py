"""Patients in Django's admin, for superusers: read-only, and every record page access-logged.

Changes to patients go through ``assessments.services`` (audited, validated) from the app's own
pages, so the admin offers no add, change or delete; it can look a record up and show its
history, and each of those pages writes one access-log row like the app's pages do.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Patient
from pht import audit


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = [
        "identifier",
        "family_name",
        "given_name",
        "date_of_birth",
        "clinic",
        "archived_at",
    ]
    list_filter = ["clinic", "archived_at"]
    search_fields = ["family_name", "given_name", "identifier"]
    list_select_related = ["clinic"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._log_view(request, object_id, response, "Django admin")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._log_view(request, object_id, response, "Django admin history")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._log_view(request, object_id, response, "Django admin history version")
        return response

    def _log_view(self, request, object_id, response, detail: str) -> None:
        if response.status_code != 200:
            return
        patient = self.get_object(request, object_id)
        if patient is not None:
            audit.viewed_by_superuser(request, patient, clinic=patient.clinic, detail=detail)
