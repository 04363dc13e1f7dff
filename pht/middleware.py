import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


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
