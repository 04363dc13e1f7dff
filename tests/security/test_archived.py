"""An archived patient's record is read-only everywhere until a clinic admin restores it.

Every service that changes a patient's clinical data refuses an archived patient
(``PatientArchived``: nothing written), every POST URL of the URL matrix leaves the database as
it was for an archived patient's records (never a 5xx), and the pages hide the actions.
"""

import datetime

import pytest
from django.urls import reverse

from assessments import services
from assessments.services import PatientArchived
from pht.audit import Actor
from rehab import services as rehab_services
from rehab.models import ProgressReview
from tests.factories import REVIEW_DEFAULTS, make_entry, make_review
from tests.rehab.test_plans import post_data
from tests.security.test_csrf import payload
from tests.security.test_url_matrix import SPECS, build_url, fingerprint

RECORD = ("draft_assessment", "signed_assessment", "visa_h_response", "rehab_review")
READ_ONLY = "This patient is archived, so the record is read-only."
# Restoring is what an archived record is for; the exercise library is no patient's record.
# Clinic users, invitations and token pages are no patient's record either.
NOT_CLINICAL_CHANGES = {
    "assessments:patient_restore",
    "rehab:exercise_detail",
    *(n for n in SPECS if n.startswith(("clinic_user", "clinic_invitation"))),
    "invitation_accept",
    "password_reset_confirm",
    "assessments:patient_import_commit",
    "assessments:patient_import_cancel",
}
POST_URLS = sorted(n for n, s in SPECS.items() if s.objects and n not in NOT_CLINICAL_CHANGES)


@pytest.fixture
def plan_forms(admin_client_a, signed_assessment, rehab_plan):
    """The plan forms as their pages showed them before the patient was archived."""
    return {
        "rehab:plan_new": post_data(
            admin_client_a.get(reverse("rehab:plan_new", args=[signed_assessment.pk]))
        ),
        "rehab:plan_edit": post_data(
            admin_client_a.get(reverse("rehab:plan_edit", args=[rehab_plan.pk]))
        ),
    }


@pytest.fixture
def archived(request, patient, clinic_admin):
    """The patient with a full record (drafts, signed, VISA-H, plan, review), then archived."""
    for name in RECORD:
        request.getfixturevalue(name)
    services.archive_patient(actor=Actor(clinic_admin, patient.clinic), patient=patient)
    patient.refresh_from_db()
    return patient


@pytest.mark.parametrize("name", POST_URLS)
def test_no_post_changes_an_archived_patients_record(
    admin_client_a, plan_forms, archived, name, request
):
    url = build_url(name, SPECS[name], request)
    before = fingerprint()
    response = admin_client_a.post(url, plan_forms.get(name) or payload(name))
    assert response.status_code < 500
    assert fingerprint() == before


# --- the services ----------------------------------------------------------------------


def _items(plan):
    return [
        rehab_services.PlanItem(exercise=item.exercise, dosage={"sets": "3", "reps": "10"})
        for item in plan.items.select_related("exercise")
    ]


CHANGES = {
    "update patient": lambda f: services.update_patient(
        actor=f.actor, patient=f.patient, data={"given_name": "Changed"}
    ),
    "create assessment": lambda f: services.create_assessment(
        actor=f.actor, patient=f.patient, entry=make_entry(patient=f.patient)
    ),
    "save draft": lambda f: services.save_draft(
        actor=f.actor,
        assessment=f.draft_assessment,
        entry=make_entry(patient=f.patient, clinical_notes="changed"),
        lock_version=f.draft_assessment.lock_version,
    ),
    "sign": lambda f: services.sign_assessment(
        actor=f.actor,
        assessment=f.draft_assessment,
        lock_version=f.draft_assessment.lock_version,
    ),
    "amend": lambda f: services.amend_assessment(actor=f.actor, assessment=f.signed_assessment),
    "re-evaluate": lambda f: services.reevaluate_assessment(
        actor=f.actor, assessment=f.signed_assessment
    ),
    "record VISA-H": lambda f: services.record_visa_h(
        actor=f.actor,
        patient=f.patient,
        answers=f.visa_h_response.answers,
        completed_on=datetime.date.today(),
    ),
    "create plan": lambda f: rehab_services.create_plan(
        actor=f.actor,
        assessment=f.signed_assessment,
        stage=1,
        goals_need_running=True,
        review_date=datetime.date.today() + datetime.timedelta(weeks=2),
        items=_items(f.rehab_plan),
    ),
    "update plan": lambda f: rehab_services.update_plan(
        actor=f.actor,
        plan=f.rehab_plan,
        goals_need_running=True,
        review_date=f.rehab_plan.review_date,
        items=_items(f.rehab_plan),
        notes="changed",
        lock_version=f.rehab_plan.lock_version,
    ),
    "record review": lambda f: rehab_services.record_review(
        actor=f.actor,
        plan=f.rehab_plan,
        data={**REVIEW_DEFAULTS, "reviewed_on": datetime.date.today()},
    ),
    "accept review": lambda f: rehab_services.accept_review(actor=f.actor, review=f.rehab_review),
}


class Record:
    def __init__(self, request, actor):
        self.request, self.actor = request, actor

    def __getattr__(self, name):
        return self.request.getfixturevalue(name)


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_service_refuses_an_archived_patient(archived, clinician, change, request):
    record = Record(request, Actor(clinician, archived.clinic))
    before = fingerprint()
    with pytest.raises(PatientArchived, match=READ_ONLY):
        change(record)
    assert fingerprint() == before


def test_restoring_makes_the_record_writable_again(archived, clinic_admin, clinician, rehab_plan):
    services.restore_patient(actor=Actor(clinic_admin, archived.clinic), patient=archived)
    make_review(plan=rehab_plan, user=clinician)
    assert ProgressReview.objects.count() == 2  # the fixture's review and this one


# --- the pages -------------------------------------------------------------------------

FORM_PAGES = [
    "assessments:patient_edit",
    "assessments:assessment_create",
    "assessments:visa_h_create",
    "rehab:plan_new",
    "rehab:plan_edit",
    "rehab:review_new",
]


@pytest.mark.parametrize("name", FORM_PAGES)
def test_a_form_page_sends_back_to_the_record_with_the_reason(
    clinician_client, archived, name, request
):
    response = clinician_client.get(build_url(name, SPECS[name], request), follow=True)
    assert response.redirect_chain
    assert response.status_code == 200
    assert "This patient is archived" in response.content.decode()


def test_the_plan_page_is_read_only(clinician_client, archived, rehab_plan):
    page = clinician_client.get(reverse("rehab:plan_detail", args=[rehab_plan.pk])).content.decode()
    assert "The plan is read-only" in page
    assert reverse("rehab:review_new", args=[rehab_plan.pk]) not in page
    assert reverse("rehab:plan_edit", args=[rehab_plan.pk]) not in page
    assert reverse("rehab:handout", args=[rehab_plan.pk]) in page  # reading stays


def test_a_review_cannot_be_accepted_from_its_page(clinician_client, archived, rehab_review):
    url = reverse("rehab:review_detail", args=[rehab_review.pk])
    page = clinician_client.get(url).content.decode()
    assert reverse("rehab:review_accept", args=[rehab_review.pk]) not in page
    assert "The patient is archived, so the plan is read-only." in page


@pytest.mark.parametrize(
    ("who", "restore_shown"), [("clinician_client", False), ("admin_client_a", True)]
)
def test_the_record_page_offers_only_restore_and_only_to_a_clinic_admin(
    archived, who, restore_shown, request
):
    page = request.getfixturevalue(who).get(
        reverse("assessments:patient_detail", args=[archived.pk])
    )
    html = page.content.decode()
    for name in ("assessment_create", "visa_h_create", "patient_edit", "patient_archive"):
        assert reverse(f"assessments:{name}", args=[archived.pk]) not in html
    restore = reverse("assessments:patient_restore", args=[archived.pk])
    assert (restore in html) is restore_shown
