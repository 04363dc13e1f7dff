"""Password reset by e-mail (Django's views, the site's pages), and the EMAIL_URL parser."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from pht.settings import email_mailer  # noqa: TID251 (testing the parser itself)
from tests.factories import PASSWORD
from tests.security.test_lockout import fail, log_in

RESET = reverse("password_reset")
NEW = "a-new-long-passphrase-2026"
SENT = "If an active account uses that address"


@pytest.fixture
def ada(clinician):
    clinician.email = "ada@example.org"
    clinician.save()
    return clinician


def ask(client, email):
    return client.post(RESET, {"email": email}, follow=True)


def test_the_login_page_links_to_the_reset(client, db):
    assert f'href="{RESET}"' in client.get(reverse("login")).content.decode()
    assert "Forgot your password?" in client.get(reverse("login")).content.decode()


def test_a_known_address_gets_a_link_in_the_sites_words(client, ada):
    response = ask(client, "ADA@example.org")
    assert SENT in response.content.decode()
    [email] = mail.outbox
    assert email.to == ["ada@example.org"]
    assert email.subject == "Reset your PHT Clinic password"
    assert "ada" in email.body and "/accounts/reset/" in email.body


@pytest.mark.parametrize("email", ["nobody@example.org", "ben@example.org"])
def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(
    client, ada, colleague, email
):
    colleague.email = "ben@example.org"
    colleague.is_active = False
    colleague.save()
    known = ask(Client(), "ada@example.org")
    mail.outbox.clear()
    response = ask(client, email)
    assert response.status_code == known.status_code == 200
    assert response.redirect_chain == known.redirect_chain
    assert SENT in response.content.decode()
    assert mail.outbox == []


def _link(email) -> str:
    return re.search(r"http://testserver(/accounts/reset/\S+/)", email.body).group(1)


def test_the_link_sets_a_new_password_once_and_clears_lockouts(client, ada, settings):
    fail(Client(), settings.AXES_FAILURE_LIMIT)
    assert AccessAttempt.objects.filter(username="ada").exists()
    ask(client, "ada@example.org")
    page = client.get(_link(mail.outbox[0]), follow=True)
    assert "Set a new password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    ada.refresh_from_db()
    assert ada.check_password(NEW)
    assert not AccessAttempt.objects.filter(username="ada").exists()
    assert log_in(Client(), NEW).status_code == 302
    again = Client().get(_link(mail.outbox[0]), follow=True)
    assert "This link is not valid" in again.content.decode()


def test_a_weak_new_password_is_refused(client, ada):
    ask(client, "ada@example.org")
    page = client.get(_link(mail.outbox[0]), follow=True)
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    ada.refresh_from_db()
    assert ada.check_password(PASSWORD)


# --- EMAIL_URL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("console://", "console"),
        ("memory://", "locmem"),
        ("dummy://", "dummy"),
    ],
)
def test_the_simple_backends(url, backend):
    assert email_mailer(url) == {"BACKEND": f"django.core.mail.backends.{backend}.EmailBackend"}


def test_smtp_with_starttls_and_encoded_credentials():
    mailer = email_mailer("smtp://pht%40clinic.example:p%3Ass@mail.example.org:2525?tls=1")
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] == {
        "host": "mail.example.org",
        "port": 2525,
        "username": "pht@clinic.example",
        "password": "p:ss",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 20,
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp+tls://mail.example.org", 587, True, False),
        ("smtp://mail.example.org?ssl=1", 465, False, True),
        ("smtp+ssl://mail.example.org", 465, False, True),
        ("smtp://mail.example.org", 25, False, False),
    ],
)
def test_smtp_schemes_and_default_ports(url, port, tls, ssl):
    options = email_mailer(url)["OPTIONS"]
    assert (options["port"], options["use_tls"], options["use_ssl"]) == (port, tls, ssl)
    assert options["username"] == options["password"] == ""


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sendgrid://key", "EMAIL_URL must start with one of"),
        ("mail.example.org", "EMAIL_URL must start with one of"),
        ("smtp://", "needs a host"),
        ("smtp://mail.example.org:port", "invalid port"),
        ("smtp://mail.example.org?tls=1&ssl=1", "not both"),
    ],
)
def test_a_wrong_email_url_fails_loudly(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        email_mailer(url)


def test_reset_emails_to_one_address_stop_at_the_hourly_limit_with_the_same_answer(
    client, ada, settings
):
    settings.PASSWORD_RESET_LIMIT = 3
    answers = [ask(client, "ada@example.org").content.decode() for _ in range(5)]
    assert len(mail.outbox) == 3
    assert all(SENT in answer for answer in answers)


def test_the_limit_for_one_address_leaves_other_addresses_alone(client, ada, colleague, settings):
    settings.PASSWORD_RESET_LIMIT = 1
    colleague.email = "ben@example.org"
    colleague.save()
    ask(client, "ada@example.org")
    ask(client, "ada@example.org")
    ask(client, "ben@example.org")
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "ben@example.org"]
