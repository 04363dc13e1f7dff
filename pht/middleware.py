import logging
import time
import urllib.parse
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from pht import db_router

logger = logging.getLogger(__name__)


class NoStoreMiddleware:
    """Forbid caching of every page served to a signed-in user.

    Patient data must not stay in a shared browser's or proxy's cache after logout.
    Static files are served by WhiteNoise before this runs, so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


class PermissionsPolicy:
    """Send ``Permissions-Policy`` (settings.PERMISSIONS_POLICY) on every response: the browser
    features the app does not use (camera, microphone, location, payment ...) are off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class ReadYourWrites:
    """After a request that may have changed data (POST, PUT, PATCH, DELETE: a form saved, a
    log-in), the user's pages read from the primary database for ``READ_YOUR_WRITES_SECONDS``,
    not from a replica that may not have the change yet (pht.db_router). Noted after the
    response, when the change is committed. Does nothing without replicas."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DATABASE_REPLICAS and request.method not in db_router.SAFE_METHODS:
            db_router.note_write(request, response)
        return response


def is_background(request: HttpRequest) -> bool:
    """A request the page makes by itself (the live panel, autosave), not a navigation."""
    return request.headers.get("HX-Request") == "true" or "X-PHT-Background" in request.headers


class LoginRequired(LoginRequiredMiddleware):
    """Every page needs a log-in (Django's middleware), and a background request of a
    signed-out user answers 401 with what to do, instead of a redirect whose log-in page would
    land inside the reasoning panel. The page keeps the unsaved answers and offers to sign in
    again (static/js/consultation.js)."""

    def handle_no_permission(self, request, view_func):
        if not is_background(request):
            return super().handle_no_permission(request, view_func)
        page = request.headers.get("X-PHT-Page", "/")
        if not url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
            page = "/"
        login = f"{reverse('login')}?{urlencode({'next': page})}"
        return JsonResponse(
            {
                "status": "signed_out",
                "message": "You were signed out. Your answers are kept on this device: sign in "
                "again to carry on.",
                "login_url": login,
            },
            status=401,
        )


def start_session_clock(sender, request, user, **kwargs) -> None:
    """At log-in: the absolute limit and the idle clock both start now."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SessionTimeout.SIGNED_IN] = now
        request.session[SessionTimeout.ACTIVITY] = now


class SessionTimeout:
    """Sign out after ``SESSION_IDLE_MINUTES`` without a request, and in any case
    ``SESSION_ABSOLUTE_HOURS`` after signing in. The last activity is written at most once a
    minute, so reading pages does not write the session on every request."""

    ACTIVITY = "pht_last_activity"
    SIGNED_IN = "pht_signed_in_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = time.time()
        session = request.session
        signed_in = session.setdefault(self.SIGNED_IN, now)
        last = session.get(self.ACTIVITY, now)
        idle = now - last > settings.SESSION_IDLE_MINUTES * 60
        expired = now - signed_in > settings.SESSION_ABSOLUTE_HOURS * 3600
        ended = getattr(request.user, "sessions_ended_at", None)
        if ended is not None and signed_in <= ended.timestamp():
            logout(request)
            messages.info(request, "A clinic admin ended your session. Sign in again.")
            return
        if idle or expired:
            logout(request)
            messages.info(
                request,
                f"You were signed out after {settings.SESSION_IDLE_MINUTES} minutes without "
                "activity. Sign in again: drafts are kept."
                if idle
                else "Your session reached its time limit. Sign in again: drafts are kept.",
            )
            return
        if now - last >= 60 or self.ACTIVITY not in session:
            session[self.ACTIVITY] = now


class Utf8FormBodyMiddleware:
    """Answer 400 with the site's error page to a POST whose body is not UTF-8 text.

    Every form of the app is sent as UTF-8. A body declared in another charset (utf-16,
    utf-32, latin-1 ...; Django's form parser accepts only the spelling "utf-8"), or one whose
    bytes or %-escapes are not valid UTF-8, would fail while it is parsed (a bare 500, the
    error page failing again on the same body) or be read as garbage: it is refused before any
    view or the CSRF check reads it, and nothing is changed. A multipart body's form fields are held to the same rule; an uploaded file's bytes are
    not (the patient import reads a CSV file and explains its encoding itself).
    """

    METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
    FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in self.METHODS:
            problem = self.problem(request)
            if problem:
                logger.info("Refused a request body: %s", problem)
                return render(request, "400.html", status=400)
        return self.get_response(request)

    def problem(self, request: HttpRequest) -> str:
        """What is wrong with the body's encoding ("" when nothing is)."""
        charset = (request.content_params or {}).get("charset")
        # Spelled as Django's form parser requires ("utf8" is refused there too).
        if charset is not None and charset.strip().lower() != "utf-8":
            return f"charset {charset[:40]!r}, not UTF-8"
        if request.content_type not in self.FORM_TYPES:
            return ""
        if request.content_type == "multipart/form-data":
            return self.multipart_problem(request)
        try:
            text = request.body.decode("utf-8")
            if request.content_type == "application/x-www-form-urlencoded":
                urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return "bytes that are not UTF-8"
        return ""

    @staticmethod
    def multipart_problem(request: HttpRequest) -> str:
        """Django's multipart parser reads a field's bytes that are not UTF-8 as U+FFFD (the
        replacement character); field names and file names the same way."""
        try:
            fields, files = request.POST, request.FILES
        except MultiPartParserError:
            return "a multipart body that cannot be read"
        texts = [*fields.keys(), *files.keys(), *(f.name or "" for f in files.values())]
        texts += [value for values in fields.lists() for value in values[1]]
        if any("\ufffd" in text for text in texts):
            return "bytes that are not UTF-8"
        return ""


class TwoFactorRequired:
    """After the password, the second factor (pht/twofactor.py).

    A user who has an authenticator app or a passkey gives it before any other page: until
    then every page redirects to the verify page (a background request answers 401). A user
    without one whose active clinic requires it is sent to set one up. Log-out, the pages of
    each step and the passkey ceremony's endpoints stay open. Costs no query for a user
    without a second factor (the log-in notes whether one is due) beyond the active
    membership that the pages read anyway.
    """

    VERIFY_OPEN = frozenset(
        {
            "two_factor_verify",
            "logout",
            "passkey_verify_begin",
            "passkey_verify_complete",
            "passkey_i18n",
        }
    )
    SETUP_OPEN = frozenset(
        {
            "two_factor_setup",
            "two_factor_app",
            "two_factor_app_start",
            "two_factor_recovery_codes",
            "two_factor_new_codes",
            "passkey_register_begin",
            "passkey_register_complete",
            "passkey_i18n",
            "logout",
            "clinic_switch",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        from pht.access import active_membership
        from pht.twofactor import PENDING_SESSION_KEY

        name = request.resolver_match.view_name if request.resolver_match else ""
        if request.session.get(PENDING_SESSION_KEY):
            if name in self.VERIFY_OPEN:
                return None
            return self._send(request, "two_factor_verify", "Give your second factor to carry on.")
        if name in self.SETUP_OPEN or name == "two_factor_verify":
            return None
        membership = active_membership(request)
        if membership is not None and membership.clinic.require_two_factor:
            return self._send(
                request,
                "two_factor_setup",
                f"{membership.clinic.name} requires two-factor sign-in: set it up to carry on.",
            )
        return None

    @staticmethod
    def _send(request: HttpRequest, url_name: str, message: str) -> HttpResponse:
        target = reverse(url_name)
        if is_background(request) or "application/json" in request.headers.get("Accept", ""):
            # Shaped like LoginRequired's answer: the consultation page keeps its answers and
            # links to the step (static/js/consultation.js).
            page = request.headers.get("X-PHT-Page", "/")
            if not url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
                page = "/"
            return JsonResponse(
                {
                    "status": "second_factor_needed",
                    "message": f"{message} Your answers are kept on this device.",
                    "login_url": f"{target}?{urlencode({'next': page})}",
                },
                status=401,
            )
        if request.method == "GET" and url_name == "two_factor_verify":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)
