"""Two-factor sign-in pages: the verify step after the password, and setting up or removing
an authenticator app, recovery codes and passkeys (pht/twofactor.py holds the rules)."""

import json

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import Http404
from django.middleware import csrf
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog
from django_otp import login as otp_login
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn

from pht import access, twofactor
from pht.audit import Actor
from pht.forms import AppCodeForm, RemoveFactorForm, SecondFactorForm
from pht.views import locked_out

WRONG_CODE = (
    "That code did not work. Use the newest code the app shows (check that the phone's clock "
    "is right), or a recovery code you have not used before."
)
SLOWED_DOWN = (
    "That code was not checked: after a wrong code, codes are refused for a few seconds "
    "(longer after each). Wait a moment, then type the newest code."
)
WRONG_APP_CODE = (
    "That code did not match. Type the 6 digits the app shows now; if it changes while you "
    "type, use the new one."
)
WRONG_PASSWORD = "That is not your password or a current code."


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


def _actor(request) -> Actor | None:
    """Who is acting, for the access log; None for a user of no clinic (nothing to log under)."""
    return Actor.from_request(request) if access.active_membership(request) else None


def _credentials(request) -> dict:
    """What django-axes counts failures under: the username (with the address)."""
    return {"username": request.user.get_username()}


def _failed(request) -> bool:
    """Count a wrong code or password as a failed log-in (django-axes); True when that was the
    last one allowed, and the user is then signed out."""
    user_login_failed.send(sender=__name__, credentials=_credentials(request), request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return True
    return False


def _locked(request) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(request))


def second_factor_given(request, device) -> None:
    """The session has its second factor: remember it, log it, clear the log-in failures."""
    otp_login(request, device)
    request.session.pop(twofactor.PENDING_SESSION_KEY, None)
    actor = _actor(request)
    if actor is not None:
        twofactor.record_verification(actor, device)
    AxesProxyHandler.update_request(request)  # the address, as django-axes reads it
    AxesProxyHandler.reset_attempts(
        ip_address=request.axes_ip_address,
        username=request.user.get_username(),
    )


def two_factor_verify(request):
    """After the password: a code from the app, a recovery code or a passkey."""
    user = request.user
    pending = request.session.get(twofactor.PENDING_SESSION_KEY)
    if not pending or user.is_verified() or not twofactor.has_second_factor(user):
        # Nothing owed (or every factor was removed meanwhile, e.g. in Django's admin).
        request.session.pop(twofactor.PENDING_SESSION_KEY, None)
        return redirect(_next(request))
    if _locked(request):
        logout(request)
        return locked_out(request)
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        slowed = twofactor.slowed_down(user, form.cleaned_data["code"])
        device = twofactor.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            second_factor_given(request, device)
            return redirect(_next(request))
        if _failed(request):
            return locked_out(request)
        form.add_error("code", SLOWED_DOWN if slowed else WRONG_CODE)
    return render(
        request,
        "registration/two_factor_verify.html",
        {
            "form": form,
            "next": _next(request),
            "has_passkey": twofactor.passkeys(user).exists(),
            "passkey_config": _passkey_config(request),
        },
    )


def _passkey_config(request) -> str:
    """What django-otp-webauthn's script reads (from a hidden element: no inline script)."""
    return json.dumps(
        {
            "autocompleteLoginFieldSelector": None,
            "nextFieldSelector": "input[name='next']",
            "csrfToken": csrf.get_token(request),
            "beginAuthenticationUrl": reverse("passkey_verify_begin"),
            "completeAuthenticationUrl": reverse("passkey_verify_complete"),
            "beginRegistrationUrl": reverse("passkey_register_begin"),
            "completeRegistrationUrl": reverse("passkey_register_complete"),
        }
    )


def _factor_choices(user) -> list[tuple[str, str]]:
    choices = [(d.persistent_id, "Authenticator app") for d in twofactor.authenticator_apps(user)]
    for number, key in enumerate(twofactor.passkeys(user), start=1):
        added = f"{key.created_at:%d/%m/%Y}" if key.created_at else ""
        choices.append(
            (key.persistent_id, f"Passkey {number}" + (f", added {added}" if added else ""))
        )
    return choices


def two_factor_setup(request, remove_form=None):
    """The user's second factors: what is set up, and the ways to add, renew or remove."""
    user = request.user
    membership = access.require_membership(request)
    has_factor = twofactor.has_second_factor(user)
    factors = _factor_choices(user)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "has_factor": has_factor,
            "required_by": (
                membership.clinic
                if membership.clinic.require_two_factor and not has_factor
                else None
            ),
            "apps": list(twofactor.authenticator_apps(user)),
            "passkeys": list(twofactor.passkeys(user)),
            "codes_left": twofactor.recovery_codes_left(user),
            "remove_form": remove_form or RemoveFactorForm(factors=factors),
            "passkey_config": _passkey_config(request),
        },
    )


@require_POST
def two_factor_app_start(request):
    """Save a new authenticator app, unconfirmed, and show its QR code."""
    twofactor.start_authenticator_app(actor=Actor.from_request(request))
    return redirect("two_factor_app")


def two_factor_app(request):
    """Set up an authenticator app: its QR code and key, confirmed by a current code."""
    access.require_membership(request)
    device = twofactor.pending_authenticator_app(request.user)
    form = AppCodeForm(request.POST if request.method == "POST" and device else None)
    if request.method == "POST" and device is None:
        messages.info(request, "Start again: no authenticator app was being set up.")
        return redirect("two_factor_app")
    if device is not None and form.is_valid():
        codes = twofactor.confirm_authenticator_app(
            actor=Actor.from_request(request), device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            if not request.user.is_verified():
                otp_login(request, device)
            request.session[twofactor.NEW_CODES_SESSION_KEY] = codes
            messages.success(request, "Authenticator app set up.")
            return redirect("two_factor_new_codes")
        form.add_error("code", WRONG_APP_CODE)
    context = {
        "device": device,
        "form": form,
        "has_app": twofactor.authenticator_apps(request.user).exists(),
    }
    if device is not None:
        qr = segno.make(device.config_url, error="m")
        context["qr_uri"] = qr.svg_data_uri(scale=5, border=2)
        context["secret"] = twofactor.secret_in_groups(device)
    return render(request, "registration/two_factor_app.html", context)


@require_POST
def two_factor_recovery_codes(request):
    """Ten new recovery codes (the old ones stop working)."""
    actor = Actor.from_request(request)
    if not twofactor.has_second_factor(request.user):
        messages.error(request, "Set up an authenticator app or a passkey first.")
        return redirect("two_factor_setup")
    request.session[twofactor.NEW_CODES_SESSION_KEY] = twofactor.regenerate_recovery_codes(
        actor=actor
    )
    return redirect("two_factor_new_codes")


def two_factor_new_codes(request):
    """The recovery codes just made, shown this once."""
    codes = request.session.pop(twofactor.NEW_CODES_SESSION_KEY, None) or []
    groups = [f"{code[:4]} {code[4:]}" for code in codes]
    return render(request, "registration/two_factor_codes.html", {"codes": groups})


@require_POST
def two_factor_remove(request):
    """Remove an authenticator app or a passkey, confirmed with the password or a current code."""
    actor = Actor.from_request(request)
    user = request.user
    form = RemoveFactorForm(request.POST, factors=_factor_choices(user))
    if not form.is_valid():
        return two_factor_setup(request, remove_form=form)
    try:
        device = twofactor.factor_of(user, form.cleaned_data["factor"])
    except twofactor.NotYours:
        raise Http404("No such second factor.") from None
    secret = form.cleaned_data["password"]
    if not (user.check_password(secret) or twofactor.verify_code(user, secret)):
        if _failed(request):
            return locked_out(request)
        form.add_error("password", WRONG_PASSWORD)
        return two_factor_setup(request, remove_form=form)
    what = twofactor.describe(device)
    twofactor.remove_factor(actor=actor, device=device)
    messages.success(request, f"The {what} was removed.")
    return redirect("two_factor_setup")


# --- Passkeys: django-otp-webauthn's JSON endpoints, audited -------------------------------


class PasskeyRegisterBegin(webauthn.BeginCredentialRegistrationView):
    def check_can_register(self):
        access.require_membership(self.request)  # a passkey is audited under the clinic


class PasskeyRegisterComplete(webauthn.CompleteCredentialRegistrationView):
    def check_can_register(self):
        access.require_membership(self.request)

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            self.request.session.pop(twofactor.PENDING_SESSION_KEY, None)
            twofactor.record_passkey_added(actor=Actor.from_request(self.request))
        return response


class LockedOut(exceptions.OTPWebAuthnApiError):
    status_code = 429
    code = "locked_out"
    default_detail = "Too many failed log-in attempts. Sign out and try again later."


class PasskeyVerifyComplete(webauthn.CompleteCredentialAuthenticationView):
    def check_can_authenticate(self):
        super().check_can_authenticate()
        if self.request.user.is_authenticated and _locked(self.request):
            raise LockedOut()  # locked meanwhile (wrong codes elsewhere): a passkey waits too

    def complete_auth(self, device):
        # Only the signed-in user's own passkey reaches here (the helper refuses another's).
        second_factor_given(self.request, device)


passkey_register_begin = PasskeyRegisterBegin.as_view()
passkey_register_complete = PasskeyRegisterComplete.as_view()
passkey_verify_begin = webauthn.BeginCredentialAuthenticationView.as_view()
passkey_verify_complete = PasskeyVerifyComplete.as_view()
passkey_i18n = JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])
