"""PDFs from HTML with WeasyPrint, never touching the network (the summary letter, the handout).

Pages are rendered against a base URL that cannot resolve (``PDF_BASE_URL``); a template links
its stylesheet relatively as ``pht-static/<path>``, and :class:`StaticFilesOnly` serves that from
the local static files (found by the static finders, so it works before and after
``collectstatic``, hashed names or not) and refuses every other URL.
"""

from __future__ import annotations

import mimetypes
import posixpath

from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

PDF_BASE_URL = "https://pdf.pht-clinic.invalid/"
STATIC_PREFIX = PDF_BASE_URL + "pht-static/"


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves files found by the static finders, nothing else."""

    def fetch(self, url, headers=None):
        if not url.startswith(STATIC_PREFIX):
            raise URLFetchingError(f"Refused to fetch {url}: only local static files are allowed.")
        relative = posixpath.normpath(url[len(STATIC_PREFIX) :].split("?")[0].split("#")[0])
        if relative.startswith(("..", "/")):
            raise URLFetchingError(f"Refused to fetch {url}: outside the static files.")
        path = finders.find(relative)
        if not path:
            raise URLFetchingError(f"No static file {relative}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def render_pdf(html: str) -> bytes:
    """The PDF of a page rendered for print (its stylesheet linked as ``pht-static/...``)."""
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnly()).write_pdf()
