"""Every form, posted with whatever a careless user or an attacker might send.

Each property posts through the Django test client as a clinician (or, for admin-only
forms, the clinic admin) of clinic A, and checks tests/fuzz/checks.py: never a 5xx, no inline
code in the page, the database unchanged unless the answer is a success redirect, and a
refusal that shows its messages.
"""

import datetime
import uuid
from types import SimpleNamespace

from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.forms import AssessmentForm, PatientForm, VisaHForm
from assessments.models import VisaHResponse
from exports.filters import ExportFilterForm
from rehab.forms import ExerciseForm, ReviewForm
from tests.fuzz.checks import assert_refusal_explained, error_messages, submit
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import form_data, junk, near_valid
from tests.rehab.test_plans import post_data
from tests.security.test_csrf import payload

BORN = datetime.date(1985, 6, 15)  # the cast's patient
LONG_AGO = datetime.date(1890, 1, 1)

PATIENT_FIELDS = PatientForm(clinic=None).fields
ASSESSMENT_FIELDS = AssessmentForm(patient=None).fields
VISA_H_FIELDS = VisaHForm(patient=None, assessments=[]).fields
# A stage-4 runner's plan shows every review field (pain during the last run too).
REVIEW_FIELDS = ReviewForm(
    plan=SimpleNamespace(current_stage=4, goals_need_running=True),
    questionnaires=VisaHResponse.objects.none(),
).fields
EXERCISE_FIELDS = ExerciseForm().fields
# The clinician choice is a username, drawn separately (its choices need the database).
EXPORT_FIELDS = {k: v for k, v in ExportFilterForm(clinic=None).fields.items() if k != "clinician"}

ACTIONS = st.one_of(st.sampled_from(["save", "evaluate", "review"]), junk())


def refused_or_redirected(response):
    if response.status_code != 302:
        assert_refusal_explained(response)


# --- patients -----------------------------------------------------------------------------


def either(base: dict, fields, earliest, **kwargs):
    """Independent values for every field, or a valid body with a few fields spoilt."""
    return st.one_of(
        form_data(fields, earliest=earliest, **kwargs),
        near_valid(base, fields, earliest=earliest),
    )


NEW_PATIENT = payload("assessments:patient_create")
VALID_ASSESSMENT = payload("assessments:assessment_create")


@settings(FUZZ, max_examples=60)
@given(data=either(NEW_PATIENT, PATIENT_FIELDS, LONG_AGO))
def test_patient_create_survives_any_input(clinician_client, patient, data):
    response = submit(clinician_client, "post", reverse("assessments:patient_create"), data)
    refused_or_redirected(response)


@settings(FUZZ, max_examples=50)
@given(data=either(payload("assessments:patient_edit"), PATIENT_FIELDS, LONG_AGO))
def test_patient_edit_survives_any_input(clinician_client, patient, data):
    url = reverse("assessments:patient_edit", args=[patient.pk])
    refused_or_redirected(submit(clinician_client, "post", url, data))


# --- assessments --------------------------------------------------------------------------


def _assessment_refusal(response, data):
    """Evaluating a valid form answers 200 with the panel and no errors; else explain."""
    if response.status_code == 302:
        return
    evaluated = data.get("action") == "evaluate" and response.status_code == 200
    if evaluated and not error_messages(response):
        return
    assert_refusal_explained(response)


@settings(FUZZ, max_examples=60)
@given(
    data=either(VALID_ASSESSMENT, ASSESSMENT_FIELDS, BORN, required=("assessed_on",)),
    action=ACTIONS,
)
def test_assessment_create_survives_any_input(clinician_client, patient, data, action):
    data = {**data, "action": action}
    url = reverse("assessments:assessment_create", args=[patient.pk])
    _assessment_refusal(submit(clinician_client, "post", url, data), data)


@settings(FUZZ, max_examples=60)
@given(
    data=either(VALID_ASSESSMENT, ASSESSMENT_FIELDS, BORN, required=("assessed_on",)),
    action=ACTIONS,
    stale=st.one_of(st.none(), junk()),
)
def test_assessment_edit_survives_any_input(
    clinician_client, draft_assessment, data, action, stale
):
    draft_assessment.refresh_from_db()
    version = str(draft_assessment.lock_version) if stale is None else stale
    data = {**data, "action": action, "lock_version": version}
    url = reverse("assessments:assessment_edit", args=[draft_assessment.pk])
    _assessment_refusal(submit(clinician_client, "post", url, data), data)


@settings(FUZZ, max_examples=40)
@given(data=form_data(ASSESSMENT_FIELDS, earliest=BORN))
def test_the_live_panel_survives_any_input_and_never_saves(clinician_client, patient, data):
    url = reverse("assessments:assessment_panel", args=[patient.pk])
    response = submit(clinician_client, "post", url, data, saves_on_success=False)
    assert response.status_code == 200


# --- VISA-H -------------------------------------------------------------------------------


@settings(FUZZ, max_examples=50)
@given(
    data=either(
        payload("assessments:visa_h_create"), VISA_H_FIELDS, BORN, required=("completed_on",)
    ),
    link=st.sampled_from(["", "draft", "signed", "plan", "review"]),
)
def test_visa_h_survives_any_input(
    clinician_client, patient, draft_assessment, rehab_plan, data, link
):
    visits = {
        "draft": f"assessment:{draft_assessment.pk}",
        "signed": f"assessment:{rehab_plan.assessment_id}",
        "plan": f"plan:{rehab_plan.pk}",
        "review": f"review:{rehab_plan.pk}",  # not a review: handed on, and refused there
    }
    if link:
        data = {**data, "visit": visits[link]}
    url = reverse("assessments:visa_h_create", args=[patient.pk])
    refused_or_redirected(submit(clinician_client, "post", url, data))


# --- rehab --------------------------------------------------------------------------------


def _mutations(base: dict) -> st.SearchStrategy[dict]:
    keys = sorted({*base, "add", "q", "picker_stage", "items-MIN_NUM_FORMS", "items-MAX_NUM_FORMS"})
    value = st.one_of(junk(), st.lists(junk(), max_size=2))
    edits = st.sampled_from(["add", "find", "refresh", "up:0", "down:0", "remove:0", "up:9"])
    return st.dictionaries(st.sampled_from(keys), value, max_size=6) | st.fixed_dictionaries(
        {"action": edits}
    )


def _plan_refusal(response, data):
    """An editing button (not "save") shows the page again, changed, with nothing saved and
    nothing to explain; anything else was saved (302) or explains why not."""
    editing = data.get("action", "save") != "save"
    if editing and response.status_code == 200 and not error_messages(response):
        return
    refused_or_redirected(response)


@settings(FUZZ, max_examples=40)
@given(draw=st.data())
def test_plan_edit_survives_any_input(clinician_client, rehab_plan, draw):
    url = reverse("rehab:plan_edit", args=[rehab_plan.pk])
    base = post_data(clinician_client.get(url))
    data = {**base, **draw.draw(_mutations(base))}
    _plan_refusal(submit(clinician_client, "post", url, data), data)


@settings(FUZZ, max_examples=30)
@given(draw=st.data())
def test_plan_new_survives_any_input(clinician_client, signed_assessment, draw):
    url = reverse("rehab:plan_new", args=[signed_assessment.pk])
    base = post_data(clinician_client.get(url))
    data = {**base, **draw.draw(_mutations(base))}
    _plan_refusal(submit(clinician_client, "post", url, data), data)


@settings(FUZZ, max_examples=50)
@given(data=either(payload("rehab:review_new"), REVIEW_FIELDS, datetime.date(2026, 1, 1)))
def test_review_survives_any_input(clinician_client, rehab_plan, data):
    url = reverse("rehab:review_new", args=[rehab_plan.pk])
    refused_or_redirected(submit(clinician_client, "post", url, data))


@settings(FUZZ, max_examples=40)
@given(data=either(payload("rehab:exercise_create"), EXERCISE_FIELDS, LONG_AGO))
def test_custom_exercise_survives_any_input(admin_client_a, data):
    refused_or_redirected(submit(admin_client_a, "post", reverse("rehab:exercise_create"), data))


# --- export filters -----------------------------------------------------------------------

CLINICIAN_NAMES = st.sampled_from(["ada", "cara", "dev", "ADA", ""])


@settings(FUZZ, max_examples=50)
@given(
    data=either({"date_from": "2026-01-01", "signed_only": "on"}, EXPORT_FIELDS, LONG_AGO),
    who=st.one_of(CLINICIAN_NAMES, junk()),
)
def test_export_filters_survive_any_input(admin_client_a, clinician, other_clinician, data, who):
    data = {**data, "clinician": who}
    response = submit(admin_client_a, "get", reverse("exports:clinic_csv"), data)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_refusal_explained(response)
    else:
        assert response["Content-Type"].startswith("text/csv")


# --- two records of one person ------------------------------------------------------------


def _twin(patient):
    """The patient registered a second time (once per test: the database is kept between
    a test's examples)."""
    from assessments.models import Patient
    from tests.factories import PatientFactory

    existing = Patient.objects.filter(identifier="NS-0042").first()
    if existing is not None:
        return existing
    return PatientFactory(
        clinic=patient.clinic,
        identifier="NS-0042",
        given_name="Hanna",
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
    )


def _ids(draw, patient, twin, other_patient):
    """An id as a form might carry one: the patient's own, the twin's, another clinic's, a
    well-formed unknown one, or junk."""
    known = [str(patient.pk), str(twin.pk), str(other_patient.pk), str(uuid.UUID(int=7)), ""]
    return draw.draw(st.one_of(st.sampled_from(known), junk()))


def _nothing_half_merged():
    """Every merged record has nothing left on it, and every other record is unmerged."""
    from assessments.models import Patient

    for merged in Patient.objects.filter(merged_into__isnull=False):
        assert merged.is_archived
        for relation in Patient._meta.related_objects:
            model, name = relation.related_model, relation.field.name
            assert not model._base_manager.filter(**{name: merged}).exists()


@settings(FUZZ, max_examples=40)
@given(draw=st.data())
def test_merge_survives_any_input(admin_client_a, patient, other_patient, clinician, draw):
    from tests.factories import make_assessment

    twin = _twin(patient)
    if not twin.assessments.exists() and not twin.is_archived:
        make_assessment(patient=twin, user=clinician, sign=True)
    data = {
        "with": _ids(draw, patient, twin, other_patient),
        "keep": _ids(draw, patient, twin, other_patient),
    }
    url = reverse("assessments:patient_merge", args=[patient.pk])
    response = submit(admin_client_a, "post", url, data)
    refused_or_redirected(response)
    _nothing_half_merged()


@settings(FUZZ, max_examples=40)
@given(draw=st.data(), undo=st.booleans())
def test_not_the_same_person_survives_any_input(admin_client_a, patient, other_patient, draw, undo):
    from tests.security.test_url_matrix import fingerprint

    twin = _twin(patient)
    other = _ids(draw, patient, twin, other_patient)
    name = "patient_not_duplicate_undo" if undo else "patient_not_duplicate"
    before = fingerprint()
    response = admin_client_a.post(
        reverse(f"assessments:{name}", args=[patient.pk]), {"other": other}
    )
    assert response.status_code == 302
    if other != str(twin.pk):
        assert fingerprint() == before
