"""Every form that changes data is safe to submit twice (pht/submissions.py).

Each form carries a fresh key (``{% submission_key %}``). The first POST of a key is saved;
the same POST again (a double click, a resend after a slow answer) is sent to the first one's
result with a message and changes nothing. Where the domain has a natural key the services
refuse the duplicate on their own (an archive twice, an exercise's short name twice), key or
not. Concurrent submissions are tested with threads on PostgreSQL (the suite's SQLite
database is one connection's); bench/sqlite_concurrency.py runs SQLite under load.
"""

import datetime
import re
import threading
import uuid
from dataclasses import dataclass

import pytest
from django.db import connection, connections
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Patient
from pht.audit import Actor
from pht.models import AccessLog, Submission
from rehab import services as rehab_services
from rehab.models import Exercise, RehabPlan
from tests.rehab.test_plans import post_data
from tests.security.test_csrf import payload
from tests.security.test_url_matrix import fingerprint

KEY = re.compile(r'name="submission_key" value="([0-9a-f-]{36})"')


def key_in(response) -> str:
    found = KEY.findall(response.content.decode())
    assert len(found) == 1, f"expected one submission key, found {len(found)}"
    return found[0]


def state():
    """Every row but logs and sessions, and the change entries of the access log."""
    return fingerprint(), AccessLog.objects.exclude(action="view").count()


@dataclass(frozen=True)
class Case:
    url: str  # the view that saves
    objects: dict  # URL kwarg -> fixture
    page: str | None  # the page whose form carries the key (None: the lead's template, no key yet)
    page_objects: dict
    already: str  # the message a repeat gets
    plan_form: bool = False  # the body is the plan form as the page renders it


CASES = {
    "patient create": Case(
        "assessments:patient_create",
        {},
        "assessments:patient_create",
        {},
        "Already saved — this is the patient you registered.",
    ),
    "patient edit": Case(
        "assessments:patient_edit",
        {"patient_id": "patient"},
        "assessments:patient_edit",
        {"patient_id": "patient"},
        "Already saved — these are the details as you saved them.",
    ),
    "archive": Case(
        "assessments:patient_archive",
        {"patient_id": "patient"},
        "assessments:patient_detail",
        {"patient_id": "patient"},
        "Already done — this patient was archived.",
    ),
    "restore": Case(
        "assessments:patient_restore",
        {"patient_id": "archived_patient"},
        "assessments:patient_detail",
        {"patient_id": "archived_patient"},
        "Already done — this patient was restored.",
    ),
    "new exercise": Case(
        "rehab:exercise_create",
        {},
        "rehab:exercise_create",
        {},
        "Already saved — this is the exercise you added.",
    ),
    "create plan": Case(
        "rehab:plan_new",
        {"assessment_id": "signed_assessment"},
        "rehab:plan_new",
        {"assessment_id": "signed_assessment"},
        "Already saved — this is the plan you created.",
        plan_form=True,
    ),
    "plan edit": Case(
        "rehab:plan_edit",
        {"plan_id": "rehab_plan"},
        "rehab:plan_edit",
        {"plan_id": "rehab_plan"},
        "Already saved — this is the plan with your changes.",
        plan_form=True,
    ),
    "record review": Case(
        "rehab:review_new",
        {"plan_id": "rehab_plan"},
        "rehab:review_new",
        {"plan_id": "rehab_plan"},
        "Already saved — this is the review you recorded.",
    ),
    "accept review": Case(
        "rehab:review_accept",
        {"review_id": "rehab_review"},
        "rehab:review_detail",
        {"review_id": "rehab_review"},
        "Already done — the decision was recorded.",
    ),
    "VISA-H": Case(
        "assessments:visa_h_create",
        {"patient_id": "patient"},
        "assessments:visa_h_create",
        {"patient_id": "patient"},
        "Already saved — the questionnaire was recorded once.",
    ),
    "amend": Case(
        "assessments:assessment_amend",
        {"assessment_id": "signed_assessment"},
        None,
        {},
        "Already done — this is the amendment you opened.",
    ),
    "re-evaluate": Case(
        "assessments:assessment_reevaluate",
        {"assessment_id": "signed_assessment"},
        None,
        {},
        "Already done — the re-evaluation is shown below.",
    ),
}


@pytest.fixture
def archived_patient(patient, clinic_admin):
    assessment_services.archive_patient(actor=Actor(clinic_admin, patient.clinic), patient=patient)
    return patient


def _reverse(request, name, objects):
    kwargs = {kwarg: request.getfixturevalue(f).pk for kwarg, f in objects.items()}
    return reverse(name, kwargs=kwargs)


def _form(client, case, request):
    """(body without the key, the key): as the page renders them."""
    if case.page is None:
        return {}, str(uuid.uuid4())
    page = client.get(_reverse(request, case.page, case.page_objects))
    assert page.status_code == 200
    data = payload(case.url)
    if case.plan_form:
        # A new plan starts empty: the clinician ticks exercises in the picker (the rules'
        # proposal first); an edited plan posts its rows.
        picker = page.context.get("picker") or []
        adding = [str(picker[0].exercise.pk)] if not page.context["rows"] and picker else []
        data = post_data(page, **({"add": adding} if adding else {}))
    return data, key_in(page)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_same_submission_twice_saves_once_and_shows_the_first_result(
    admin_client_a, case, request
):
    url = _reverse(request, case.url, case.objects)
    data, key = _form(admin_client_a, case, request)
    before = state()

    first = admin_client_a.post(url, {**data, "submission_key": key})
    assert first.status_code == 302, first.content.decode()[:2000]
    saved = state()
    second = admin_client_a.post(url, {**data, "submission_key": key}, follow=True)

    assert saved != before
    assert state() == saved
    assert second.redirect_chain[0] == (first["Location"], 302)
    assert case.already in second.content.decode()


FORM_PAGES = {
    "assessments:patient_create": {},
    "assessments:patient_edit": {"patient_id": "patient"},
    "assessments:patient_detail": {"patient_id": "patient"},
    "assessments:visa_h_create": {"patient_id": "patient"},
    "rehab:exercise_create": {},
    "rehab:plan_new": {"assessment_id": "signed_assessment"},
    "rehab:plan_edit": {"plan_id": "rehab_plan"},
    "rehab:review_new": {"plan_id": "rehab_plan"},
    "rehab:review_detail": {"review_id": "rehab_review"},
}


@pytest.mark.parametrize("name", sorted(FORM_PAGES))
def test_each_rendering_of_a_form_carries_a_fresh_key(admin_client_a, name, request):
    url = _reverse(request, name, FORM_PAGES[name])
    first, second = key_in(admin_client_a.get(url)), key_in(admin_client_a.get(url))
    assert first != second
    assert not Submission.objects.exists()


def test_a_refused_submission_releases_its_key(admin_client_a, clinic_a):
    url = reverse("assessments:patient_create")
    key = key_in(admin_client_a.get(url))
    data = {**payload("assessments:patient_create"), "submission_key": key}

    refused = admin_client_a.post(url, {**data, "given_name": ""})
    assert refused.status_code == 200
    assert not Submission.objects.exists()
    corrected = admin_client_a.post(url, data)

    assert corrected.status_code == 302
    assert Patient.objects.get().given_name == "Iris"


def test_a_key_sent_again_by_another_user_is_refused(
    admin_client_a, clinician_client, clinic_a, clinician
):
    url = reverse("assessments:patient_create")
    key = key_in(admin_client_a.get(url))
    admin_client_a.post(url, {**payload("assessments:patient_create"), "submission_key": key})
    data = {**payload("assessments:patient_create"), "identifier": "NS-0100"}

    response = clinician_client.post(url, {**data, "submission_key": key})

    assert response.status_code == 400
    assert Patient.objects.count() == 1


def test_a_key_sent_again_to_another_form_is_refused(admin_client_a, patient):
    key = key_in(admin_client_a.get(reverse("assessments:patient_create")))
    admin_client_a.post(
        reverse("assessments:patient_create"),
        {**payload("assessments:patient_create"), "submission_key": key},
    )
    url = reverse("assessments:visa_h_create", args=[patient.pk])

    response = admin_client_a.post(
        url, {**payload("assessments:visa_h_create"), "submission_key": key}
    )

    assert response.status_code == 400
    assert not patient.visa_h_responses.exists()


def test_an_expired_key_is_forgotten(admin_client_a, clinic_admin, clinic_a):
    key = uuid.uuid4()
    Submission.objects.create(
        key=key,
        user=clinic_admin,
        path=reverse("assessments:patient_create"),
        result_url="/",
        created_at=timezone.now() - datetime.timedelta(hours=25),
    )
    data = {**payload("assessments:patient_create"), "submission_key": str(key)}

    response = admin_client_a.post(reverse("assessments:patient_create"), data)

    patient = Patient.objects.get()
    assert response["Location"] == reverse("assessments:patient_detail", args=[patient.pk])
    assert Submission.objects.get().result_url == response["Location"]


@pytest.mark.parametrize("key", ["", "not-a-key", "1" * 300])
def test_a_missing_or_malformed_key_saves_as_before(admin_client_a, clinic_a, key):
    data = {**payload("assessments:patient_create"), "submission_key": key}
    response = admin_client_a.post(reverse("assessments:patient_create"), data)
    assert response.status_code == 302
    assert Patient.objects.count() == 1
    assert not Submission.objects.exists()


# --- natural keys: refused twice without a submission key too ---------------------------


def test_archiving_from_a_stale_page_writes_no_second_archive_entry(patient, clinic_admin):
    """Two requests loaded the patient before either archived it."""
    actor = Actor(clinic_admin, patient.clinic)
    mine, theirs = Patient.objects.get(pk=patient.pk), Patient.objects.get(pk=patient.pk)
    assert assessment_services.archive_patient(actor=actor, patient=mine) is True
    assert assessment_services.archive_patient(actor=actor, patient=theirs) is False
    assert AccessLog.objects.filter(action="archive").count() == 1


def test_restoring_from_a_stale_page_writes_no_second_restore_entry(archived_patient, clinic_admin):
    actor = Actor(clinic_admin, archived_patient.clinic)
    mine = Patient.objects.get(pk=archived_patient.pk)
    theirs = Patient.objects.get(pk=archived_patient.pk)
    assert assessment_services.restore_patient(actor=actor, patient=mine) is True
    assert assessment_services.restore_patient(actor=actor, patient=theirs) is False
    assert AccessLog.objects.filter(action="restore").count() == 1


def test_an_exercise_name_taken_since_the_check_is_a_form_error(
    admin_client_a, custom_exercise, monkeypatch
):
    """Another request saved the same short name between the service's check and its save:
    the unique constraint refuses it, and the clinician sees why (no IntegrityError 500)."""
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    data = {**payload("rehab:exercise_create"), "slug": custom_exercise.slug}

    response = admin_client_a.post(reverse("rehab:exercise_create"), data)

    assert response.status_code == 200
    assert rehab_services.SLUG_TAKEN_CLINIC in response.content.decode()
    assert Exercise.objects.filter(slug=custom_exercise.slug).count() == 1


def test_re_evaluating_twice_under_the_same_rules_stores_one_re_evaluation(
    signed_assessment, clinician
):
    actor = Actor(clinician, signed_assessment.clinic)
    first = assessment_services.reevaluate_assessment(actor=actor, assessment=signed_assessment)
    second = assessment_services.reevaluate_assessment(actor=actor, assessment=signed_assessment)
    assert second == first
    assert signed_assessment.reevaluations.count() == 1


# --- at the same moment (threads; PostgreSQL) ----------------------------------------------

at_once = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="threads need a server database: the SQLite test database is one connection's "
    "(bench/sqlite_concurrency.py runs SQLite under load)",
)


def _all_at_once(user, count, send):
    """``send(client)`` from ``count`` clients of ``user`` in threads, released together."""
    start = threading.Barrier(count)
    responses, errors = [], []

    def run():
        client = Client()
        client.force_login(user)
        try:
            start.wait()
            responses.append(send(client))
        except Exception as error:  # reported by the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return responses


@pytest.fixture
def shipped_library(transactional_db):
    """The exercise library the migrations load: a test before this one may have flushed it."""
    if not Exercise.objects.filter(clinic__isnull=True).exists():
        rehab_services.load_shipped_library()


@at_once
@pytest.mark.django_db(transaction=True)
def test_three_plans_posted_at_once_with_one_key_make_one_plan(
    shipped_library, clinician, signed_assessment
):
    client = Client()
    client.force_login(clinician)
    url = reverse("rehab:plan_new", args=[signed_assessment.pk])
    page = client.get(url)
    # A new plan starts empty: tick the rules' first suggestion in the picker.
    first = str(page.context["picker"][0].exercise.pk)
    data = {**post_data(page, add=[first]), "submission_key": key_in(page)}

    responses = _all_at_once(clinician, 3, lambda c: c.post(url, data))

    plan = RehabPlan.objects.get()
    assert [r.status_code for r in responses] == [302] * 3
    assert {r["Location"] for r in responses} == {reverse("rehab:plan_detail", args=[plan.pk])}


@at_once
@pytest.mark.django_db(transaction=True)
def test_three_archives_at_once_write_one_archive_entry(clinic_admin, patient):
    url = reverse("assessments:patient_archive", args=[patient.pk])
    responses = _all_at_once(clinic_admin, 3, lambda c: c.post(url))
    assert [r.status_code for r in responses] == [302] * 3
    assert AccessLog.objects.filter(action="archive").count() == 1


@at_once
@pytest.mark.django_db(transaction=True)
def test_three_new_exercises_at_once_with_one_name_save_one(clinic_admin):
    url = reverse("rehab:exercise_create")
    data = payload("rehab:exercise_create")
    responses = _all_at_once(clinic_admin, 3, lambda c: c.post(url, data))
    assert sorted(r.status_code for r in responses) == [200, 200, 302]
    assert Exercise.objects.filter(slug=data["slug"]).count() == 1
    for response in responses:
        if response.status_code == 200:
            assert rehab_services.SLUG_TAKEN_CLINIC in response.content.decode()
