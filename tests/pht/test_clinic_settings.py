"""A clinic admin keeps the clinic's name, contact details and identifier numbering."""

import pytest
from django.urls import reverse

from pht import services
from pht.audit import Actor, WrongClinic
from pht.models import AccessLog, Clinic

URL = reverse("clinic_settings")


def valid(**overrides):
    data = {
        "name": "Northside Physio",
        "phone": "0161 496 0000",
        "address": "12 Mill Lane\nSalford\nM5 4WT",
        "email": "reception@northside.example",
        "identifier_prefix": "NS",
        "next_identifier_number": "43",
    }
    data.update(overrides)
    return data


def test_a_clinic_admin_sees_the_settings(admin_client_a, clinic_a):
    response = admin_client_a.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1" in content and "Clinic settings" in content
    for field in ("name", "phone", "address", "email", "identifier_prefix"):
        assert f'name="{field}"' in content
    assert 'name="next_identifier_number"' in content


def test_a_clinician_is_refused(clinician_client, clinic_a):
    assert clinician_client.get(URL).status_code == 403
    assert clinician_client.post(URL, valid(name="Taken over")).status_code == 403
    clinic_a.refresh_from_db()
    assert clinic_a.name == "Northside Physio"


def test_the_admin_saves_the_settings_with_history_and_an_access_log_row(
    admin_client_a, clinic_admin, clinic_a
):
    response = admin_client_a.post(URL, valid(), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response["Location"] == URL
    clinic_a.refresh_from_db()
    assert (clinic_a.phone, clinic_a.address, clinic_a.email) == (
        "0161 496 0000",
        "12 Mill Lane\nSalford\nM5 4WT",
        "reception@northside.example",
    )
    assert (clinic_a.identifier_prefix, clinic_a.next_identifier_number) == ("NS", 43)
    latest = clinic_a.history.first()
    assert (latest.history_user, latest.phone, latest.next_identifier_number) == (
        clinic_admin,
        "0161 496 0000",
        43,
    )
    log = AccessLog.objects.get(action="change", object_type="clinic")
    assert (log.user, log.object_id, log.ip_address) == (clinic_admin, clinic_a.pk, "10.1.2.3")
    assert log.detail == (
        "fields: address, email, identifier_prefix, next_identifier_number, phone"
    )
    assert log.patient_id is None
    page = admin_client_a.get(URL).content.decode()
    assert "Clinic settings saved." in page
    assert "NS-0043" in page


def test_an_unchanged_form_writes_nothing(admin_client_a, clinic_a):
    admin_client_a.post(URL, valid())
    rows, history = AccessLog.objects.count(), clinic_a.history.count()
    admin_client_a.post(URL, valid())
    assert (AccessLog.objects.count(), clinic_a.history.count()) == (rows, history)


def test_the_inputs_are_tidied(admin_client_a, clinic_a):
    admin_client_a.post(
        URL,
        valid(
            name="  Northside   Physio ",
            address="  12 Mill Lane \r\n\r\n  Salford\r\nM5 4WT  ",
            identifier_prefix="ns-",
        ),
    )
    clinic_a.refresh_from_db()
    assert clinic_a.name == "Northside Physio"
    assert clinic_a.address == "12 Mill Lane\nSalford\nM5 4WT"
    assert clinic_a.identifier_prefix == "NS"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("identifier_prefix", "N S", "Use up to 10 letters or digits"),
        ("identifier_prefix", "<b>", "Use up to 10 letters or digits"),
        ("identifier_prefix", "ABCDEFGHIJK", "at most 10 characters"),
        ("next_identifier_number", "0", "Give a whole number from 1 to 99,999,999."),
        ("next_identifier_number", "100000000", "Give a whole number from 1 to 99,999,999."),
        ("next_identifier_number", "-4", "Give a whole number"),
        ("next_identifier_number", "forty", "Enter a whole number."),
        ("email", "not-an-address", "Enter a valid email address."),
        ("name", "", "This field is required."),
        ("name", "Southside Sports Clinic", "already exists"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(
    admin_client_a, clinic_a, clinic_b, field, value, message
):
    rows = AccessLog.objects.count()
    response = admin_client_a.post(URL, valid(**{field: value}))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert "Nothing was saved" in content
    clinic_a.refresh_from_db()
    assert (clinic_a.phone, clinic_a.identifier_prefix) == ("", "")
    assert AccessLog.objects.count() == rows


def test_an_admin_changes_only_their_active_clinic(admin_client_a, clinic_a, clinic_b):
    admin_client_a.post(URL, valid(phone="0161 496 0000"))
    clinic_b.refresh_from_db()
    assert clinic_b.phone == ""


def test_the_service_refuses_another_clinic(clinic_admin, clinic_a, clinic_b):
    with pytest.raises(WrongClinic):
        services.update_clinic_settings(
            actor=Actor(clinic_admin, clinic_a), clinic=clinic_b, data={"phone": "1"}
        )
    clinic_b.refresh_from_db()
    assert clinic_b.phone == ""


def test_the_user_menu_links_the_page_for_clinic_admins_only(
    admin_client_a, clinician_client, clinic_a
):
    link = f'href="{URL}">Clinic settings</a>'
    assert link in admin_client_a.get(reverse("dashboard")).content.decode()
    assert link not in clinician_client.get(reverse("dashboard")).content.decode()


def test_identifiers_are_formatted_from_the_prefix():
    assert Clinic(identifier_prefix="NS").identifier_for(43) == "NS-0043"
    assert Clinic(identifier_prefix="NS").identifier_for(12345) == "NS-12345"
    assert Clinic(identifier_prefix="").identifier_for(7) == "0007"
