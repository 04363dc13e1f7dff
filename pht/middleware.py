import logging
import urllib.parse

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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


class Utf8FormBodyMiddleware:
    """Answer 400 with the site's error page to a POST whose body is not UTF-8 text.

    Every form of the app is sent as UTF-8. A body declared in another charset (utf-16,
    utf-32, latin-1 ...; Django's form parser accepts only the spelling "utf-8"), or one whose
    bytes or %-escapes are not valid UTF-8, would fail while it is parsed (a bare 500, the
    error page failing again on the same body) or be read as garbage: it is refused before any
    view or the CSRF check reads it, and nothing is changed. No form of the app uploads files,
    so a multipart body is held to the same rule as a plain one.
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
        try:
            text = request.body.decode("utf-8")
            if request.content_type == "application/x-www-form-urlencoded":
                urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return "bytes that are not UTF-8"
        return ""
