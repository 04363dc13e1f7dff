"""Find inline code in rendered HTML: what a strict Content-Security-Policy would block.

The CSP allows scripts and styles from our own files only ('self'), so an inline
``<script>``, an event-handler attribute (``onclick=``) or a ``style`` attribute or element is
either a defect (it silently does nothing in the browser) or an injection that got through.
"""

from html.parser import HTMLParser


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        where = f"<{tag}> at line {self.getpos()[0]}"
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and not names.get("src"):
            self.problems.append(f"inline script {where}")
        if tag == "style":
            self.problems.append(f"style element {where}")
        if "style" in names:
            self.problems.append(f"style attribute {where}: {names['style']!r}")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} {where}")
            if name.startswith("hx-on"):
                self.problems.append(f"htmx inline handler {name} {where}")
        href = (names.get("href") or "") + (names.get("src") or "") + (names.get("action") or "")
        if href.strip().lower().startswith("javascript:"):
            self.problems.append(f"javascript: URL {where}")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    """Every inline script, style or event handler in ``html``, described; [] when clean."""
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def csp_directives(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives
