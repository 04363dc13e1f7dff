"""Clinic users: a clinic admin invites, changes roles, deactivates, reactivates and unlocks."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pht import accounts
from pht.audit import Actor
from pht.models import AccessLog, Invitation, Membership, User
from tests.factories import PASSWORD, MembershipFactory

USERS = reverse("clinic_users")
INVITE = reverse("clinic_user_invite")
NEW_PASSWORD = "a-long-passphrase-2026"


def membership_of(user, clinic):
    return Membership.objects.get(user=user, clinic=clinic)


def sign_up(client, url, username="eli", **overrides):
    data = {
        "username": username,
        "first_name": "Eli",
        "last_name": "Ng",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    return client.post(url, data)


def shown_link(client) -> str:
    page = client.get(USERS).content.decode()
    match = re.search(r'value="(http://testserver/accounts/invite/[^"]+/)"', page)
    assert match, "the new link is shown on the users page"
    return match.group(1)


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_each_member_with_role_status_and_last_login(
    admin_client_a, clinician, colleague, clinic_a
):
    clinician.last_login = timezone.now()
    clinician.email = "ada@example.org"
    clinician.save()
    page = admin_client_a.get(USERS).content.decode()
    assert "Users of Northside Physio" in page
    for text in ("ada", "ben", "cara", "ada@example.org", "Clinician", "Clinic admin", "Never"):
        assert text in page
    assert page.count(">Active</span>") == 3
    assert "Second factor" in page


def test_the_list_shows_pending_invitations(admin_client_a, pending_invitation):
    page = admin_client_a.get(USERS).content.decode()
    assert "eli@example.org" in page
    assert "Invited, pending" in page
    assert reverse("clinic_invitation_revoke", args=[pending_invitation.pk]) in page


def test_another_clinics_members_are_not_listed(admin_client_a, other_clinician):
    page = admin_client_a.get(USERS).content.decode()
    assert "dev" not in re.findall(r"<td>(\w+)</td>", page)


def test_a_clinician_cannot_see_the_list(clinician_client):
    assert clinician_client.get(USERS).status_code == 403


# --- inviting -----------------------------------------------------------------------------


def test_an_invitation_is_stored_hashed_mailed_and_shown_once(admin_client_a, clinic_admin):
    response = admin_client_a.post(
        INVITE, {"email": "eli@example.org", "role": "clinician", "first_name": "Eli"}
    )
    assert response.status_code == 302 and response["Location"] == USERS
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "eli@example.org",
        "clinician",
        clinic_admin,
    )
    link = shown_link(admin_client_a)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == accounts.token_hash(token) != token
    assert link not in admin_client_a.get(USERS).content.decode()  # shown once only
    [email] = mail.outbox
    assert email.to == ["eli@example.org"]
    assert "Northside Physio" in email.subject
    assert link in email.body and "Hello Eli" in email.body


def test_an_invitation_expires_after_the_configured_days(admin_client_a, settings):
    settings.INVITATION_DAYS = 3
    admin_client_a.post(INVITE, {"email": "eli@example.org", "role": "clinician"})
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        datetime.timedelta(days=3), abs=datetime.timedelta(seconds=5)
    )


def test_inviting_is_audited_without_names(admin_client_a, clinic_admin):
    admin_client_a.post(INVITE, {"email": "eli@example.org", "role": "clinic_admin"})
    row = AccessLog.objects.get(action="invite")
    assert (row.user, row.object_type, row.detail) == (
        clinic_admin,
        "invitation",
        "role: clinic_admin",
    )
    assert row.object_id == Invitation.objects.get().pk
    assert "eli" not in row.detail


def test_a_member_or_a_pending_address_cannot_be_invited_again(admin_client_a, colleague):
    colleague.email = "ben@example.org"
    colleague.save()
    response = admin_client_a.post(INVITE, {"email": "BEN@example.org", "role": "clinician"})
    assert accounts.ALREADY_MEMBER in response.content.decode()
    admin_client_a.post(INVITE, {"email": "eli@example.org", "role": "clinician"})
    response = admin_client_a.post(INVITE, {"email": "eli@example.org", "role": "clinician"})
    assert accounts.ALREADY_INVITED in response.content.decode()
    assert Invitation.objects.count() == 1


def test_a_clinician_cannot_invite(clinician_client):
    response = clinician_client.post(INVITE, {"email": "eli@example.org", "role": "clinic_admin"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_new_link_replaces_the_old_one(admin_client_a, invited, client):
    invitation, old_token = invited
    url = reverse("clinic_invitation_renew", args=[invitation.pk])
    assert admin_client_a.post(url).status_code == 302
    new_link = shown_link(admin_client_a)
    assert client.get(reverse("invitation_accept", args=[old_token])).status_code == 404
    assert client.get(new_link).status_code == 200
    assert new_link in mail.outbox[-1].body


def test_a_revoked_invitation_cannot_be_accepted(admin_client_a, invited, client):
    invitation, token = invited
    admin_client_a.post(reverse("clinic_invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert AccessLog.objects.filter(action="revoke", object_id=invitation.pk).exists()


# --- accepting ----------------------------------------------------------------------------


def test_accepting_creates_the_account_and_membership_and_signs_in(invited, client, settings):
    invitation, token = invited
    url = reverse("invitation_accept", args=[token])
    page = client.get(url).content.decode()
    assert "Join Northside Physio" in page
    assert 'value="eli"' in page  # the username proposed from the address
    response = sign_up(client, url)
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.INVITATION_NEXT_URL)
    user = User.objects.get(username="eli")
    assert (user.email, user.get_full_name()) == ("eli@example.org", "Eli Ng")
    assert user.check_password(NEW_PASSWORD)
    assert membership_of(user, invitation.clinic).role == "clinician"
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert client.get(reverse("dashboard")).status_code == 200
    row = AccessLog.objects.get(action="join")
    assert (row.user, row.object_id) == (user, membership_of(user, invitation.clinic).uuid)


def test_the_next_page_after_accepting_is_a_setting(invited, client, settings):
    settings.INVITATION_NEXT_URL = "password_change"
    response = sign_up(client, reverse("invitation_accept", args=[invited[1]]))
    assert response["Location"] == reverse("password_change")


def test_an_invitation_works_once(invited, client):
    url = reverse("invitation_accept", args=[invited[1]])
    sign_up(client, url)
    response = sign_up(Client(), url, username="eli2")
    assert response.status_code == 410
    assert "already accepted" in response.content.decode()
    assert not User.objects.filter(username="eli2").exists()


def test_an_expired_invitation_says_whom_to_ask(invited, client):
    invitation, token = invited
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "expired" in page and "Ask a clinic admin at Northside Physio" in page
    assert sign_up(client, reverse("invitation_accept", args=[token])).status_code == 410
    assert not User.objects.filter(username="eli").exists()


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "%00"])
def test_an_unknown_token_answers_404(client, db, token):
    response = client.get(f"/accounts/invite/{token}/")
    assert response.status_code == 404


def test_the_password_is_checked_by_the_sites_validators(invited, client):
    url = reverse("invitation_accept", args=[invited[1]])
    response = sign_up(client, url, password1="eli@example.org", password2="eli@example.org")
    assert response.status_code == 200
    assert not User.objects.filter(username="eli").exists()
    response = sign_up(client, url, password1="12345678", password2="12345678")
    assert "This password is entirely numeric." in response.content.decode()


def test_a_taken_username_is_refused(invited, client, clinician):
    response = sign_up(client, reverse("invitation_accept", args=[invited[1]]), username="ADA")
    assert response.status_code == 200
    assert User.objects.filter(email="eli@example.org").count() == 0


def test_an_existing_account_joins_after_signing_in(
    clinic_b, other_clinician, clinic_admin, clinic_a
):
    other_clinician.email = "dev@example.org"
    other_clinician.save()
    _, token = accounts.invite(
        actor=Actor(clinic_admin, clinic_a), email="Dev@Example.org", role="clinician"
    )
    url = reverse("invitation_accept", args=[token])
    anonymous = Client()
    page = anonymous.get(url).content.decode()
    assert "Log in to accept" in page
    assert sign_up(anonymous, url, username="dev2").status_code == 200
    assert User.objects.filter(email__iexact="dev@example.org").count() == 1
    dev = Client()
    dev.force_login(other_clinician)
    assert "Join Northside Physio</button>" in dev.get(url).content.decode()
    response = dev.post(url)
    assert response.status_code == 302
    assert membership_of(other_clinician, clinic_a).is_active
    assert dev.get(reverse("dashboard")).context["active_membership"].clinic == clinic_a


# --- roles --------------------------------------------------------------------------------


def test_an_admin_changes_a_role(admin_client_a, colleague, clinic_a, clinic_admin):
    membership = membership_of(colleague, clinic_a)
    url = reverse("clinic_user_role", args=[membership.uuid])
    assert admin_client_a.post(url, {"role": "clinic_admin"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "clinic_admin"
    row = AccessLog.objects.get(action="role")
    assert (row.user, row.object_id, row.detail) == (
        clinic_admin,
        membership.uuid,
        "role: clinic_admin",
    )


def test_an_admin_cannot_demote_or_deactivate_themselves(admin_client_a, clinic_admin, clinic_a):
    membership = membership_of(clinic_admin, clinic_a)
    response = admin_client_a.post(
        reverse("clinic_user_role", args=[membership.uuid]), {"role": "clinician"}, follow=True
    )
    assert "You cannot change the role of yourself" in response.content.decode()
    admin_client_a.post(reverse("clinic_user_deactivate", args=[membership.uuid]))
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == ("clinic_admin", True)
    assert not AccessLog.objects.filter(action__in=["role", "deactivate"]).exists()


def test_the_last_active_admin_cannot_be_removed(clinic_a, clinic_admin, colleague):
    # Ben is made an admin, then Cara leaves: Ben is the last admin and stays one.
    ben = membership_of(colleague, clinic_a)
    cara = membership_of(clinic_admin, clinic_a)
    ben.role = "clinic_admin"
    ben.save()
    accounts.deactivate(actor=Actor(colleague, clinic_a), membership=cara)
    second = MembershipFactory(clinic=clinic_a, role="clinic_admin")
    actor = Actor(second.user, clinic_a)
    accounts.deactivate(actor=actor, membership=ben)  # two active admins: allowed
    ben.refresh_from_db()
    assert not ben.is_active
    accounts.reactivate(actor=actor, membership=ben)
    accounts.deactivate(actor=Actor(colleague, clinic_a), membership=second)
    with pytest.raises(Exception, match="at least one active clinic admin"):
        accounts.change_role(
            actor=actor, membership=membership_of(colleague, clinic_a), role="clinician"
        )


def test_a_clinician_cannot_change_a_role(clinician_client, colleague, clinic_a):
    membership = membership_of(colleague, clinic_a)
    url = reverse("clinic_user_role", args=[membership.uuid])
    assert clinician_client.post(url, {"role": "clinic_admin"}).status_code == 403
    membership.refresh_from_db()
    assert membership.role == "clinician"


# --- deactivation -------------------------------------------------------------------------


def test_deactivation_signs_the_person_out_at_their_next_request(
    admin_client_a, colleague, colleague_client, clinic_a
):
    assert colleague_client.get(reverse("dashboard")).status_code == 200
    membership = membership_of(colleague, clinic_a)
    admin_client_a.post(reverse("clinic_user_deactivate", args=[membership.uuid]))
    response = colleague_client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    colleague.refresh_from_db()
    membership.refresh_from_db()
    assert not colleague.is_active and membership.deactivated_at is not None
    assert (
        Client().post(reverse("login"), {"username": "ben", "password": PASSWORD}).status_code
        == 200
    )
    assert "Deactivated" in admin_client_a.get(USERS).content.decode()


def test_a_member_of_two_clinics_is_signed_out_then_keeps_the_other(
    admin_client_a, colleague, clinic_a, clinic_b
):
    MembershipFactory(user=colleague, clinic=clinic_b)
    client = Client()
    client.force_login(colleague)
    session = client.session
    session["active_clinic_id"] = str(clinic_a.pk)
    session.save()
    membership = membership_of(colleague, clinic_a)
    admin_client_a.post(reverse("clinic_user_deactivate", args=[membership.uuid]))
    colleague.refresh_from_db()
    assert colleague.is_active
    # The session open in clinic A ends at once ...
    assert client.get(reverse("dashboard")).status_code == 302
    # ... and signed in again, the person works in their other clinic only.
    client.post(reverse("login"), {"username": "ben", "password": PASSWORD})
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["active_membership"].clinic == clinic_b
    switch = client.post(reverse("clinic_switch"), {"clinic": str(clinic_a.pk)}, follow=True)
    assert switch.context["active_membership"].clinic == clinic_b


def test_reactivation_restores_access(admin_client_a, colleague, clinic_a):
    membership = membership_of(colleague, clinic_a)
    admin_client_a.post(reverse("clinic_user_deactivate", args=[membership.uuid]))
    admin_client_a.post(reverse("clinic_user_reactivate", args=[membership.uuid]))
    colleague.refresh_from_db()
    membership.refresh_from_db()
    assert colleague.is_active and membership.is_active
    assert (
        Client().post(reverse("login"), {"username": "ben", "password": PASSWORD}).status_code
        == 302
    )
    actions = list(AccessLog.objects.order_by("at", "id").values_list("action", flat=True))
    assert actions[-2:] == ["deactivate", "reactivate"]


def test_a_deactivated_address_must_be_reactivated_not_invited(admin_client_a, colleague, clinic_a):
    colleague.email = "ben@example.org"
    colleague.save()
    membership = membership_of(colleague, clinic_a)
    admin_client_a.post(reverse("clinic_user_deactivate", args=[membership.uuid]))
    response = admin_client_a.post(INVITE, {"email": "ben@example.org", "role": "clinician"})
    assert "reactivate them" in response.content.decode()


# --- unlocking ----------------------------------------------------------------------------


def lock_out(username="ben", times=5):
    for _ in range(times):
        Client().post(
            reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR="203.0.113.7"
        )


def test_the_list_shows_who_is_locked_out_and_the_admin_unlocks(
    admin_client_a, colleague, clinic_a, clinic_admin
):
    lock_out()
    page = admin_client_a.get(USERS).content.decode()
    assert "Locked out" in page
    membership = membership_of(colleague, clinic_a)
    response = admin_client_a.post(
        reverse("clinic_user_unlock", args=[membership.uuid]), follow=True
    )
    assert (
        "Ben User" in response.content.decode() and "can log in again" in response.content.decode()
    )
    assert not AccessAttempt.objects.filter(username="ben").exists()
    assert "Locked out</span>" not in admin_client_a.get(USERS).content.decode()
    login = Client().post(
        reverse("login"), {"username": "ben", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    assert login.status_code == 302
    row = AccessLog.objects.get(action="unlock")
    assert (row.user, row.object_id) == (clinic_admin, membership.uuid)


def test_failures_below_the_limit_are_not_a_lockout(admin_client_a, colleague):
    lock_out(times=4)
    assert "Locked out</span>" not in admin_client_a.get(USERS).content.decode()


def test_when_the_mail_server_fails_the_link_is_still_shown(admin_client_a, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(accounts, "send_mail", refuse)
    response = admin_client_a.post(
        INVITE, {"email": "eli@example.org", "role": "clinician"}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "could not be sent: pass on the link below yourself" in page
    assert re.search(r'value="http://testserver/accounts/invite/[^"]+/"', page)
    assert Invitation.objects.filter(email="eli@example.org").exists()


# A member's lost phone: the admin resets their second factor.


def _give_app(user, clinic):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    StaticDevice.objects.create(user=user, name="backup")


def test_the_list_names_each_members_second_factor(admin_client_a, colleague, clinic_a):
    _give_app(colleague, clinic_a)
    page = admin_client_a.get(USERS).content.decode()
    assert "Authenticator app" in page


def test_an_admin_resets_a_members_second_factor_and_it_is_audited(
    admin_client_a, colleague, clinic_a
):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _give_app(colleague, clinic_a)
    membership = membership_of(colleague, clinic_a)
    response = admin_client_a.post(
        reverse("clinic_user_reset_two_factor", args=[membership.uuid]), follow=True
    )
    assert "second factor was removed" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert not StaticDevice.objects.filter(user=colleague).exists()
    row = AccessLog.objects.filter(object_id=membership.uuid).latest("id")
    assert row.detail == "two-factor reset"
    audit_page = admin_client_a.get(reverse("clinic_audit")).content.decode()
    assert "second factor was reset by" in audit_page


def test_an_admin_cannot_reset_their_own_second_factor_from_the_users_page(
    admin_client_a, clinic_admin, clinic_a
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _give_app(clinic_admin, clinic_a)
    membership = membership_of(clinic_admin, clinic_a)
    response = admin_client_a.post(
        reverse("clinic_user_reset_two_factor", args=[membership.uuid]), follow=True
    )
    assert "Manage your own second factor" in response.content.decode()
    assert TOTPDevice.objects.filter(user=clinic_admin).exists()


def test_resetting_a_member_without_a_second_factor_says_so(admin_client_a, colleague, clinic_a):
    membership = membership_of(colleague, clinic_a)
    response = admin_client_a.post(
        reverse("clinic_user_reset_two_factor", args=[membership.uuid]), follow=True
    )
    assert "has no second factor to reset" in response.content.decode()


def test_a_deactivated_members_old_session_stays_ended_after_reactivation(
    admin_client_a, colleague, colleague_client, clinic_a
):
    membership = membership_of(colleague, clinic_a)
    admin_client_a.post(reverse("clinic_user_deactivate", args=[membership.uuid]))
    admin_client_a.post(reverse("clinic_user_reactivate", args=[membership.uuid]))
    response = colleague_client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in colleague_client.session
    # Signing in again works.
    fresh = Client()
    fresh.post(reverse("login"), {"username": "ben", "password": PASSWORD})
    assert fresh.get(reverse("dashboard")).status_code == 200


def test_resetting_a_members_second_factor_ends_their_open_session(
    admin_client_a, colleague, colleague_client, clinic_a
):
    _give_app(colleague, clinic_a)
    membership = membership_of(colleague, clinic_a)
    admin_client_a.post(reverse("clinic_user_reset_two_factor", args=[membership.uuid]))
    response = colleague_client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert "_auth_user_id" not in colleague_client.session


def test_the_users_page_reads_second_factors_in_a_fixed_number_of_queries(
    admin_client_a, clinic_a, django_assert_max_num_queries
):
    for _ in range(8):
        member = MembershipFactory(clinic=clinic_a).user
        _give_app(member, clinic_a)
    admin_client_a.get(USERS)  # warm the session and caches
    with django_assert_max_num_queries(20):
        page = admin_client_a.get(USERS).content.decode()
    assert page.count("Authenticator app") == 8
