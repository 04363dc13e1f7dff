"""What every fuzzed form submission must satisfy, whatever was typed.

1. Never a 5xx.
2. No inline script, style or event handler in the page (typed markup comes back escaped).
3. Anything but a success redirect leaves the database as it was (logs and sessions aside).
4. A refused submission says why: the form has errors and each message is on the page.
"""

from django.utils.html import escape
from hypothesis import event

from tests.security.inline import inline_code, is_html
from tests.security.test_url_matrix import fingerprint


def _forms_in(context) -> list:
    found = []
    if context is None:
        return found
    for key in ("form", "sign_form"):
        form = context.get(key)
        if form is not None and getattr(form, "is_bound", False):
            found.append(form)
    formset = context.get("formset")
    if formset is not None and formset.is_bound:
        found.extend(formset.forms)
    return found


def error_messages(response) -> list[str]:
    messages = []
    for form in _forms_in(response.context):
        for field_errors in form.errors.values():
            messages.extend(str(e) for e in field_errors)
    formset = response.context.get("formset") if response.context else None
    if formset is not None and formset.is_bound:
        messages.extend(str(e) for e in formset.non_form_errors())
    return messages


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def submit(client, method: str, url: str, data: dict, *, saves_on_success: bool = True):
    """Send ``data`` and check the four rules above. Returns the response."""
    before = fingerprint()
    response = getattr(client, method)(url, data)
    content = body(response)
    event(f"status {response.status_code}")  # --hypothesis-show-statistics: paths reached
    assert response.status_code < 500, content[:3000]
    if is_html(response):
        page = content.decode()
        assert inline_code(page) == []
    if response.status_code == 302 and saves_on_success:
        return response
    assert fingerprint() == before, f"{response.status_code} changed the database"
    return response


def assert_refusal_explained(response):
    """A form that was not accepted shows at least one message, each of them on the page."""
    messages = error_messages(response)
    assert messages, "refused without a message"
    page = body(response).decode()
    for message in messages:
        assert escape(message) in page, message
