"""``manage.py createclinic``: a new clinic and the invitation of its first clinic admin."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from pht import accounts
from pht.models import AccessLog, Clinic, Invitation, User


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command("createclinic", *args, stdout=out, **options)
    return out.getvalue()


def test_it_creates_the_clinic_and_invites_its_admin(db):
    output = run("Eastside Physio", admin_email="ivy@example.org", identifier_prefix="es")
    clinic = Clinic.objects.get(name="Eastside Physio")
    assert clinic.identifier_prefix == "ES"
    invitation = Invitation.objects.get(clinic=clinic)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "ivy@example.org",
        "clinic_admin",
        None,
    )
    link = output.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8000/accounts/invite/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == accounts.token_hash(token)
    [email] = mail.outbox
    assert email.to == ["ivy@example.org"] and link in email.body
    assert set(AccessLog.objects.values_list("action", "username")) == {
        ("create", "manage.py createclinic"),
        ("invite", "manage.py createclinic"),
    }


def test_the_link_makes_the_first_clinic_admin(db):
    link = run("Eastside Physio", admin_email="ivy@example.org").strip().splitlines()[-1]
    client = Client()
    path = link.removeprefix("http://127.0.0.1:8000")
    response = client.post(
        path,
        {
            "username": "ivy",
            "first_name": "Ivy",
            "last_name": "Hale",
            "password1": "a-long-passphrase-2026",
            "password2": "a-long-passphrase-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="ivy").memberships.get().is_admin
    assert client.get("/clinic/users/").status_code == 200


def test_the_base_url_comes_from_the_option_or_site_url(db, settings):
    output = run("A", admin_email="a@example.org", base_url="https://clinic.example.org/")
    assert output.strip().splitlines()[-1].startswith("https://clinic.example.org/accounts/invite/")
    settings.SITE_URL = "https://pht.example.org"
    output = run("B", admin_email="b@example.org")
    assert output.strip().splitlines()[-1].startswith("https://pht.example.org/accounts/invite/")


def test_a_duplicate_name_is_refused(db):
    run("Eastside Physio", admin_email="ivy@example.org")
    with pytest.raises(CommandError, match="already exists"):
        run("eastside physio", admin_email="other@example.org")
    assert Clinic.objects.count() == 1 and Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["X"], {"admin_email": "not-an-address"}, "Not an e-mail address"),
        (["   "], {"admin_email": "a@example.org"}, "name"),
        (["X"], {"admin_email": "a@example.org", "identifier_prefix": "N-S!"}, "prefix"),
    ],
)
def test_bad_input_is_refused_with_a_message(db, args, options, message):
    with pytest.raises(CommandError, match=message):
        run(*args, **options)
    assert not Clinic.objects.exists()


def test_it_exits_non_zero_from_the_command_line(db, capsys):
    run("Eastside Physio", admin_email="ivy@example.org")
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import execute_from_command_line

        execute_from_command_line(
            ["manage.py", "createclinic", "Eastside Physio", "--admin-email", "x@example.org"]
        )
    assert exit_info.value.code != 0
    assert "already exists" in capsys.readouterr().err


def test_a_failed_email_still_prints_the_link(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(accounts, "send_mail", refuse)
    err = io.StringIO()
    out = io.StringIO()
    call_command(
        "createclinic", "Eastside Physio", admin_email="ivy@example.org", stdout=out, stderr=err
    )
    assert "could not be sent" in err.getvalue()
    assert "/accounts/invite/" in out.getvalue().strip().splitlines()[-1]
