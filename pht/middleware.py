from django.http import HttpRequest, HttpResponse


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
