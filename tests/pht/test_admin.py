"""Django's admin for superusers: accounts editable, clinics, memberships and invitations
read-only (their changes are audited on the app's own pages), no raw invitation token."""

import pytest
from django.urls import reverse

from pht.models import Clinic, Invitation, Membership, User


@pytest.fixture
def root(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    return client


@pytest.mark.parametrize("model", ["user", "clinic", "membership", "invitation"])
def test_each_model_is_listed(root, model, clinician, pending_invitation):
    response = root.get(reverse(f"admin:pht_{model}_changelist"))
    assert response.status_code == 200


def test_a_user_can_be_edited_but_not_deleted(root, clinician):
    response = root.get(reverse("admin:pht_user_change", args=[clinician.pk]))
    assert response.status_code == 200 and 'name="email"' in response.content.decode()
    delete = reverse("admin:pht_user_delete", args=[clinician.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=clinician.pk).exists()


def test_a_clinic_cannot_be_changed_or_deleted(root, clinic_a, clinician):
    change = reverse("admin:pht_clinic_change", args=[clinic_a.pk])
    root.post(change, {"name": "Renamed"})
    clinic_a.refresh_from_db()
    assert clinic_a.name == "Northside Physio"
    assert (
        root.post(
            reverse("admin:pht_clinic_delete", args=[clinic_a.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert root.get(reverse("admin:pht_clinic_add")).status_code == 403
    assert Clinic.objects.filter(pk=clinic_a.pk).exists()


def test_a_membership_cannot_be_moved_or_deleted(root, clinician, clinic_a, clinic_b):
    membership = Membership.objects.get(user=clinician)
    root.post(
        reverse("admin:pht_membership_change", args=[membership.pk]),
        {"user": clinician.pk, "clinic": clinic_b.pk, "role": "clinic_admin"},
    )
    membership.refresh_from_db()
    assert (membership.clinic, membership.role) == (clinic_a, "clinician")
    delete = reverse("admin:pht_membership_delete", args=[membership.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403


def test_an_invitation_shows_its_hash_never_a_token(root, invited):
    invitation, token = invited
    page = root.get(reverse("admin:pht_invitation_change", args=[invitation.pk])).content.decode()
    assert invitation.token_hash in page
    assert token not in page
    root.post(
        reverse("admin:pht_invitation_change", args=[invitation.pk]), {"role": "clinic_admin"}
    )
    assert Invitation.objects.get().role == "clinician"


def test_a_clinician_has_no_admin(clinician_client):
    response = clinician_client.get(reverse("admin:pht_user_changelist"))
    assert response.status_code == 302
