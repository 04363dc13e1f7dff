from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Patient


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
    readonly_fields = ["created_at", "updated_at"]
