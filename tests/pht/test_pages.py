from django.urls import reverse

from pht.models import Membership
from tests.factories import PHT_FINDINGS, ClinicFactory, MembershipFactory, make_assessment


def test_the_login_page_is_public(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'for="id_username"' in response.content


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_demo_style_login_works(client, clinician):
    from tests.factories import PASSWORD

    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_logout_refuses_get(clinician_client):
    assert clinician_client.get(reverse("logout")).status_code == 405


def test_logout_by_post_ends_the_session(clinician_client):
    clinician_client.post(reverse("logout"))
    assert clinician_client.get(reverse("dashboard")).status_code == 302


def test_the_dashboard_lists_recently_seen_patients_of_the_clinic_only(
    clinician_client, draft_assessment, other_patient, other_clinician
):
    make_assessment(patient=other_patient, user=other_clinician)
    content = clinician_client.get(reverse("dashboard")).content.decode()
    assert "CLARKE, Hannah" in content
    assert "LINDQVIST" not in content


def test_the_dashboard_lists_unsigned_drafts(clinician_client, draft_assessment, signed_assessment):
    response = clinician_client.get(reverse("dashboard"))
    assert [a.pk for a in response.context["drafts"]] == [draft_assessment.pk]


def test_the_dashboard_alerts_unresolved_red_flags(clinician_client, patient, clinician):
    flagged = make_assessment(
        patient=patient, user=clinician, findings={**PHT_FINDINGS, "bladder_bowel_change": True}
    )
    response = clinician_client.get(reverse("dashboard"))
    assert [a.pk for a in response.context["red_flag_drafts"]] == [flagged.pk]
    assert "Unresolved red flags" in response.content.decode()


def test_a_signed_red_flag_is_no_longer_unresolved(clinician_client, patient, clinician):
    make_assessment(
        patient=patient, user=clinician, findings={**PHT_FINDINGS, "fever": True}, sign=True
    )
    assert clinician_client.get(reverse("dashboard")).context["red_flag_drafts"] == []


def test_pages_are_not_cached(clinician_client):
    assert clinician_client.get(reverse("dashboard"))["Cache-Control"] == "no-store, private"


def test_pages_carry_a_strict_content_security_policy(client, db):
    csp = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_a_404_uses_the_site_layout(clinician_client):
    response = clinician_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"belongs to another clinic" in response.content


def test_a_user_switches_between_their_clinics(
    clinician_client, clinician, patient, other_patient, clinic_b
):
    MembershipFactory(user=clinician, clinic=clinic_b, role=Membership.Role.CLINICIAN)
    clinician_client.post(reverse("clinic_switch"), {"clinic": str(clinic_b.pk)})
    response = clinician_client.get(reverse("assessments:patient_list"))
    assert [p.identifier for p in response.context["page"].object_list] == ["SS-0001"]


def test_switching_to_a_clinic_one_is_not_a_member_of_is_refused(clinician_client, patient):
    stranger = ClinicFactory(name="Elsewhere")
    clinician_client.post(reverse("clinic_switch"), {"clinic": str(stranger.pk)})
    response = clinician_client.get(reverse("assessments:patient_list"))
    assert [p.identifier for p in response.context["page"].object_list] == ["NS-0001"]


def test_switching_with_garbage_is_refused(clinician_client, patient):
    response = clinician_client.post(
        reverse("clinic_switch"), {"clinic": "not-a-uuid", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_the_dashboard_lists_reviews_due_for_the_clinic(
    clinician_client, clinician, rehab_plan, other_clinician, other_patient
):
    import datetime

    from assessments import services
    from pht.audit import Actor
    from rehab.models import RehabPlan
    from tests.factories import make_assessment, make_plan

    today = datetime.date.today()
    content = clinician_client.get(reverse("dashboard")).content.decode()
    assert "Reviews due" in content and "No rehab reviews due today." in content

    # Due a week ago: listed.
    RehabPlan.objects.filter(pk=rehab_plan.pk).update(review_date=today - datetime.timedelta(7))
    # Another clinic's plan, due today: never listed here.
    theirs = make_plan(
        assessment=make_assessment(patient=other_patient, user=other_clinician, sign=True),
        user=other_clinician,
    )
    RehabPlan.objects.filter(pk=theirs.pk).update(review_date=today)
    content = clinician_client.get(reverse("dashboard")).content.decode()
    assert "CLARKE, Hannah" in content
    assert "7 days ago" in content
    assert reverse("rehab:review_new", args=[rehab_plan.pk]) in content
    assert "LINDQVIST" not in content

    # A newer plan for the same patient supersedes the overdue one; its review is not due.
    newer = make_plan(assessment=rehab_plan.assessment, user=clinician)
    assert newer.review_date > today
    content = clinician_client.get(reverse("dashboard")).content.decode()
    assert "No rehab reviews due today." in content

    # Archived patients are left out.
    RehabPlan.objects.filter(pk=newer.pk).update(review_date=today)
    assert "due today" in clinician_client.get(reverse("dashboard")).content.decode()
    services.archive_patient(actor=Actor(clinician, rehab_plan.clinic), patient=rehab_plan.patient)
    assert "No rehab reviews due today." in (
        clinician_client.get(reverse("dashboard")).content.decode()
    )
