"""Clinic users (clinic admins), accepting an invitation, the clinic audit page, and the
password pages: change (counted by django-axes like log-ins) and reset by e-mail."""

import logging

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pht import access, accounts, activity, submissions
from pht.account_forms import AcceptInvitationForm, AuditFilterForm, InviteForm, RoleForm
from pht.audit import Actor, client_ip
from pht.db_router import replica_reads
from pht.models import Invitation
from pht.views import locked_out

logger = logging.getLogger(__name__)

SHOWN_LINK_KEY = "pht_invitation_link"
AUDIT_PER_PAGE = 50


def _error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _send_and_show(request, invitation: Invitation, token: str) -> bool:
    """E-mail the link and keep it for the users page, which shows it once (then forgets
    it). False when the e-mail could not be sent."""
    link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
    sent = accounts.send_invitation(invitation=invitation, link=link)
    request.session[SHOWN_LINK_KEY] = {"link": link, "email": invitation.email, "sent": sent}
    return sent


def _report_sending(request, invitation: Invitation, sent: bool, done: str) -> None:
    if sent:
        messages.success(request, done)
    else:
        messages.warning(
            request,
            f"The e-mail to {invitation.email} could not be sent: pass on the link below yourself.",
        )


# --- clinic users -------------------------------------------------------------------------


def clinic_users(request):
    """The active clinic's members and pending invitations (clinic admins)."""
    membership = access.require_clinic_admin(request)
    return render(
        request,
        "pht/clinic_users.html",
        {
            "members": accounts.clinic_members(membership.clinic),
            "invitations": accounts.pending_invitations(membership.clinic),
            "new_link": request.session.pop(SHOWN_LINK_KEY, None),
            "roles": RoleForm().fields["role"].choices,
            "me": membership,
        },
    )


@submissions.once("Already sent — the invitation is in the list below.")
def clinic_user_invite(request):
    access.require_clinic_admin(request)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = accounts.invite(
                actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            sent = _send_and_show(request, invitation, token)
            _report_sending(request, invitation, sent, f"Invitation sent to {invitation.email}.")
            return submissions.done(request, redirect("clinic_users"))
    return render(
        request,
        "pht/clinic_user_invite.html",
        {"form": form, "days": settings.INVITATION_DAYS},
    )


@require_POST
def clinic_invitation_renew(request, invitation_id):
    invitation = accounts.get_invitation_for(request, invitation_id)
    try:
        invitation, token = accounts.renew_invitation(
            actor=Actor.from_request(request), invitation=invitation
        )
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        sent = _send_and_show(request, invitation, token)
        _report_sending(
            request,
            invitation,
            sent,
            f"A new link was sent to {invitation.email}; the old one no longer works.",
        )
        messages.success(
            request, f"A new link was sent to {invitation.email}; the old one no longer works."
        )
    return redirect("clinic_users")


@require_POST
def clinic_invitation_revoke(request, invitation_id):
    invitation = accounts.get_invitation_for(request, invitation_id)
    try:
        accounts.revoke_invitation(actor=Actor.from_request(request), invitation=invitation)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("clinic_users")


@require_POST
def clinic_user_role(request, membership_id):
    membership = accounts.get_membership_for(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("clinic_users")
    try:
        changed = accounts.change_role(
            actor=Actor.from_request(request), membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, f"{changed.user} is now a {changed.get_role_display().lower()}.")
    return redirect("clinic_users")


def _member_action(request, membership_id, service, done: str):
    membership = accounts.get_membership_for(request, membership_id)
    try:
        service(actor=Actor.from_request(request), membership=membership)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, done.format(name=membership.user))
    return redirect("clinic_users")


@require_POST
def clinic_user_deactivate(request, membership_id):
    return _member_action(
        request, membership_id, accounts.deactivate, "{name} can no longer use this clinic."
    )


@require_POST
def clinic_user_reactivate(request, membership_id):
    return _member_action(
        request, membership_id, accounts.reactivate, "{name} can use this clinic again."
    )


@require_POST
def clinic_user_unlock(request, membership_id):
    return _member_action(request, membership_id, accounts.unlock, "{name} can log in again.")


@require_POST
def clinic_user_reset_two_factor(request, membership_id):
    return _member_action(
        request,
        membership_id,
        accounts.reset_second_factor,
        "{name}'s second factor was removed: they sign in with their password and set up a new one.",
    )


# --- the clinic audit page ----------------------------------------------------------------


@replica_reads
def clinic_audit(request):
    """The clinic's access log, newest first, in words; filtered by person and action."""
    membership = access.require_clinic_admin(request)
    form = AuditFilterForm(request.GET or None, people=activity.people(membership.clinic))
    wanted = form.cleaned_data if form.is_valid() else {"person": None, "action": ""}
    rows = activity.log_of(membership.clinic, user_id=wanted["person"], action=wanted["action"])
    page, entries = activity.page_of_entries(rows, request.GET.get("page"), AUDIT_PER_PAGE)
    return render(
        request, "pht/clinic_audit.html", {"form": form, "page": page, "entries": entries}
    )


# --- accepting an invitation (public: the link is the credential) ---------------------------


def _invalid(request, invitation: Invitation | None):
    return render(
        request,
        "registration/invitation_invalid.html",
        {"invitation": invitation},
        status=404 if invitation is None else 410,
    )


@login_not_required
def invitation_accept(request, token):
    invitation = accounts.find_invitation(token)
    if invitation is None or not invitation.is_usable:
        return _invalid(request, invitation)
    existing = accounts.existing_account(invitation.email)
    if existing is not None:
        return _accept_as_existing(request, invitation, existing)
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None,
        email=invitation.email,
        initial={
            "username": invitation.email.split("@")[0].lower()[:150],
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.accept_invitation(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _invalid(request, invitation)
            form.add_error(None, error)
        else:
            return _joined(request, invitation, user, new=True)
    return render(
        request, "registration/invitation_accept.html", {"invitation": invitation, "form": form}
    )


def _accept_as_existing(request, invitation: Invitation, existing):
    """An account with the invited address exists: it joins once signed in (no second
    account)."""
    signed_in_as_it = request.user.is_authenticated and request.user.pk == existing.pk
    if request.method == "POST" and signed_in_as_it:
        try:
            accounts.accept_invitation_as(
                invitation=invitation, user=existing, ip_address=client_ip(request)
            )
        except ValidationError:
            return _invalid(request, invitation)
        return _joined(request, invitation, existing, new=False)
    login_url = f"{reverse('login')}?next={request.path}"
    return render(
        request,
        "registration/invitation_existing.html",
        {
            "invitation": invitation,
            "signed_in_as_it": signed_in_as_it,
            "signed_in_as_other": request.user.is_authenticated and not signed_in_as_it,
            "login_url": login_url,
        },
    )


def _joined(request, invitation: Invitation, user, *, new: bool):
    if new:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[access.ACTIVE_CLINIC_SESSION_KEY] = str(invitation.clinic_id)
    messages.success(request, f"Welcome to {invitation.clinic.name}.")
    return redirect(settings.INVITATION_NEXT_URL if new else "dashboard")


# --- passwords ----------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, with each wrong current password counted by django-axes as
    a failed log-in of this user from this address: at the limit the user is signed out and
    shown the lockout page, as at log-in."""

    def post(self, request, *args, **kwargs):
        if AxesProxyHandler.is_locked(request, self._credentials()):
            return self._lock_out()
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("old_password", "password_incorrect"):
            credentials = self._credentials()
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            if AxesProxyHandler.is_locked(self.request, credentials):
                return self._lock_out()
        return super().form_invalid(form)

    def _credentials(self) -> dict:
        return {"username": self.request.user.get_username()}

    def _lock_out(self):
        logout(self.request)
        return locked_out(self.request)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot your password" page, with a ceiling on the e-mails it sends: at most
    ``PASSWORD_RESET_LIMIT`` an hour for one address and ten times that from one network
    address, so the form cannot be used to flood someone's inbox. Past the ceiling the page
    answers exactly as before (nothing tells a visitor whether an address has an account, or
    whether a message went out) and a warning is logged without the address."""

    def form_valid(self, form):
        if accounts.reset_allowed(form.cleaned_data["email"], client_ip(self.request)):
            return super().form_valid(form)
        logger.warning("Password reset e-mail not sent: hourly limit reached")
        return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset link page; a new password also clears the user's failed log-ins."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
