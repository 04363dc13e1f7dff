"""Users, clinics, memberships and invitations in Django's admin, for superusers.

Accounts are kept here (Django's own user admin: names, e-mail, password reset, active,
staff and superuser flags); deleting one is refused, as its name stays on the records it
signed: deactivate it instead. Clinics, memberships and invitations are **read-only** here:
their changes go through ``pht.services`` / ``pht.accounts`` from the app's own pages (clinic
settings, Clinic → Users) or ``manage.py createclinic``, where each one is audited, and no
admin page can move a patient to another clinic or delete a clinic. An invitation shows the
hash of its token only: the link itself is never stored.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from pht.models import Clinic, Invitation, Membership, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_superuser",
        "last_login",
    ]

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "deactivated_at", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Clinic)
class ClinicAdmin(ReadOnlyAdmin):
    list_display = ["name", "identifier_prefix", "email", "phone", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "clinic", "role", "deactivated_at", "created_at"]
    list_filter = ["clinic", "role"]
    search_fields = ["user__username", "user__email", "clinic__name"]
    list_select_related = ["user", "clinic"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "email",
        "clinic",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["clinic", "role"]
    search_fields = ["email", "clinic__name"]
    list_select_related = ["clinic"]
    readonly_fields = ["token_hash"]
