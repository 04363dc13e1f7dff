"""The clinic audit page: the clinic's access log in words, newest first, filtered, paged."""

import pytest
from django.urls import reverse

from pht import accounts
from pht.audit import Actor
from pht.models import AccessLog, Membership, User

URL = reverse("clinic_audit")


@pytest.fixture
def history(clinic_a, clinic_admin, colleague, patient, admin_client_a):
    """Cara invites a clinician, views Hannah's record, makes Ben an admin, then deactivates
    him and reactivates him."""
    User.objects.filter(pk=colleague.pk).update(last_name="Bell")
    User.objects.filter(pk=clinic_admin.pk).update(last_name="Cole")
    actor = Actor(clinic_admin, clinic_a)
    accounts.invite(actor=actor, email="eli@example.org", role="clinician")
    admin_client_a.get(reverse("assessments:patient_detail", args=[patient.pk]))
    ben = Membership.objects.get(user=colleague, clinic=clinic_a)
    accounts.change_role(actor=actor, membership=ben, role="clinic_admin")
    accounts.deactivate(actor=actor, membership=ben)
    accounts.reactivate(actor=actor, membership=ben)


def sentences(response) -> list[str]:
    return [sentence for _, sentence in response.context["entries"]]


def test_the_log_reads_as_sentences_newest_first(admin_client_a, history):
    response = admin_client_a.get(URL)
    assert response.status_code == 200
    assert sentences(response) == [
        "Ben Bell was reactivated by Cara Cole",
        "Ben Bell was deactivated by Cara Cole",
        "Cara Cole made Ben Bell a clinic admin",
        "Cara Cole viewed a patient's record",
        "Cara Cole invited a clinician",
    ]
    page = response.content.decode()
    for key in ("deactivate", "membership", "clinic_admin", "role:"):
        assert f">{key}" not in page and f"{key}<" not in page


def test_it_filters_by_action_and_person(admin_client_a, history, colleague, clinic_admin):
    response = admin_client_a.get(URL, {"action": "deactivate"})
    assert sentences(response) == ["Ben Bell was deactivated by Cara Cole"]
    response = admin_client_a.get(URL, {"person": colleague.pk})
    assert sentences(response) == []
    response = admin_client_a.get(URL, {"person": clinic_admin.pk, "action": "view"})
    assert sentences(response) == ["Cara Cole viewed a patient's record"]


@pytest.mark.parametrize(
    "query", [{"person": "x"}, {"action": "drop"}, {"person": "99999"}, {"page": "-1"}]
)
def test_junk_filters_show_everything_without_an_error(admin_client_a, history, query):
    response = admin_client_a.get(URL, query)
    assert response.status_code == 200
    assert len(sentences(response)) == 5


def test_it_shows_only_the_admins_clinic(admin_client_a, history, other_clinician, other_patient):
    from django.test import Client

    dev = Client()
    dev.force_login(other_clinician)
    dev.get(reverse("assessments:patient_detail", args=[other_patient.pk]))
    assert AccessLog.objects.filter(clinic=other_patient.clinic).exists()
    assert len(sentences(admin_client_a.get(URL))) == 5


def test_it_is_paged(admin_client_a, clinic_a, clinic_admin, settings):
    actor = Actor(clinic_admin, clinic_a)
    for n in range(55):
        accounts.invite(actor=actor, email=f"person{n}@example.org", role="clinician")
    first = admin_client_a.get(URL)
    assert len(sentences(first)) == 50
    assert 'rel="next"' in first.content.decode()
    assert len(sentences(admin_client_a.get(URL, {"page": 2}))) == 5


def test_a_clinician_cannot_see_it(clinician_client):
    assert clinician_client.get(URL).status_code == 403


def test_the_navigation_links_users_and_audit_for_clinic_admins_only(
    admin_client_a, clinician_client
):
    admin_nav = admin_client_a.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("clinic_users")}"' in admin_nav and f'href="{URL}"' in admin_nav
    nav = clinician_client.get(reverse("dashboard")).content.decode()
    assert f'href="{URL}"' not in nav and f'href="{reverse("clinic_users")}"' not in nav
