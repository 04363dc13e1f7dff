"""The patient handout: one template for the print view and the PDF.

WeasyPrint never fetches anything over the network: the fetcher serves only files the
staticfiles finders know (the handout's CSS), and refuses every other address.
"""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from pht.rules import rehab as rules
from rehab import selectors

TEMPLATE = "rehab/handout.html"


def handout_context(plan, *, pdf: bool, clinician_copy: bool = False) -> dict:
    return {
        "plan": plan,
        "clinician_copy": clinician_copy,
        "stage": plan.stage,
        "items": selectors.plan_items(plan),
        "pain_monitoring": rules.PAIN_MONITORING_ADVICE,
        "when_to_call": rules.WHEN_TO_CALL_ADVICE,
        "pdf": pdf,
    }


def static_only_fetcher():
    """A WeasyPrint URL fetcher that serves local static files and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.path.startswith(static_prefix):
                relative = unquote(parts.path.removeprefix(static_prefix))
                found = finders.find(relative) if ".." not in relative.split("/") else None
                if found:
                    with open(found, "rb") as handle:
                        body = handle.read()
                    kind = "text/css" if relative.endswith(".css") else "application/octet-stream"
                    return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})
            raise URLFetchingError(f"The handout may only use local static files, not {url}")

    return StaticOnlyFetcher()


def render_pdf(plan, *, clinician_copy: bool = False) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        TEMPLATE, handout_context(plan, pdf=True, clinician_copy=clinician_copy)
    )
    # A file: base URL, so "/static/..." links resolve to file:///static/... for the fetcher.
    return HTML(string=html, base_url="file:///", url_fetcher=static_only_fetcher()).write_pdf()
