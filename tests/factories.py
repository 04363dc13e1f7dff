"""factory_boy factories. Deterministic sequences, no random clinical data."""

import datetime

import factory

from assessments import search
from assessments.models import Patient
from pht.models import Clinic, Membership, User
from pht.rules.screen import SCREEN_KEYS

PASSWORD = "correct-horse-battery"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Clinic {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Membership.Role.CLINICIAN


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    identifier = factory.Sequence(lambda n: f"P-{n:05d}")
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    date_of_birth = datetime.date(1985, 6, 15)
    sex = Patient.Sex.FEMALE
    phone = ""
    # The search columns the patient service keeps (assessments/search.py).
    search_name = factory.LazyAttribute(
        lambda p: search.search_name(
            family_name=p.family_name, given_name=p.given_name, identifier=p.identifier
        )
    )
    phone_digits = factory.LazyAttribute(lambda p: search.phone_digits(p.phone))


# Typical proximal hamstring tendinopathy presentation (docs/rules.md).
# The red-flag screen answered "no" throughout: an assessment that can be signed without a reason.
SCREEN_NEGATIVE = dict.fromkeys(SCREEN_KEYS, False)

PHT_FINDINGS = {
    **SCREEN_NEGATIVE,
    "onset": "gradual",
    "duration_weeks": 10,
    "recent_training_load_change": True,
    "pain_location": ["ischial_tuberosity"],
    "pain_nprs_now": 3,
    "pain_nprs_worst": 6,
    "pain_with_sitting": True,
    "sitting_tolerance_min": 30,
    "pain_running_uphill_or_speed": True,
    "puranen_orava": "positive",
    "bent_knee_stretch": "positive",
    "modified_bent_knee_stretch": "positive",
    "tenderness_ischial_tuberosity": True,
}

ASSESSMENT_DEFAULTS = {
    "assessed_on": datetime.date(2026, 11, 2),
    "side": "left",
    "puranen_orava_pain": 5,
    "puranen_orava_side": "left",
    "bent_knee_stretch_pain": 5,
    "bent_knee_stretch_side": "left",
    "modified_bent_knee_stretch_pain": 6,
    "modified_bent_knee_stretch_side": "left",
    "pre_test_probability": None,
    "working_diagnosis": "proximal_hamstring_tendinopathy",
    "working_diagnosis_text": "",
    "clinical_notes": "",
    "plan_notes": "",
}


def make_entry(*, patient, findings=None, **data):
    """A prepared consultation (``reasoning.AssessmentInput``), as the form makes one."""
    from assessments import reasoning

    return reasoning.prepare_from_columns(
        patient=patient,
        recorded=dict(PHT_FINDINGS if findings is None else findings),
        columns={**ASSESSMENT_DEFAULTS, **data},
    )


def make_assessment(*, patient, user, findings=None, sign=False, **data):
    """A real assessment, written through the services so the snapshot is what the app stores."""
    from assessments import services
    from pht.audit import Actor

    actor = Actor(user, patient.clinic)
    entry = make_entry(patient=patient, findings=findings, **data)
    assessment = services.create_assessment(actor=actor, patient=patient, entry=entry)
    if sign:
        assessment = services.sign_assessment(
            actor=actor,
            assessment=assessment,
            lock_version=assessment.lock_version,
            red_flag_action="referral_made" if assessment.needs_red_flag_action else "",
        )
    return assessment


# --- Rehab (issue 5) -----------------------------------------------------------------------

REVIEW_DEFAULTS = {
    "marker_pain": 2,
    "response_24h": "same",
    "sitting_tolerance_min": 45,
    "adherence": "full",
    "visa_h_total": None,
    "pain_during_run": None,
    "notes": "",
}


def make_plan(
    *, assessment, user, stage=None, goals_need_running=True, started_on=None, override_reason=""
):
    """A real plan from a signed assessment, through the services: the proposal's exercises
    with their library dosage, at the proposed stage unless ``stage`` is given. Where the
    rules advise against rehab, ``override_reason`` is the clinician's reason."""
    from pht.audit import Actor
    from rehab import services
    from rehab.models import Exercise

    actor = Actor(user, assessment.clinic)
    library = list(Exercise.objects.filter(clinic__isnull=True).prefetch_related("stage_links"))
    proposal = services.propose(
        assessment=assessment, library=library, goals_need_running=goals_need_running, stage=stage
    )
    return services.create_plan(
        actor=actor,
        assessment=assessment,
        stage=proposal.stage,
        goals_need_running=goals_need_running,
        review_date=datetime.date.today() + datetime.timedelta(weeks=2),
        items=[services.PlanItem(exercise=e, dosage=e.dosage) for e in proposal.exercises[:4]],
        started_on=started_on,
        override_reason=override_reason,
    )


def make_review(*, plan, user, reviewed_on=None, **data):
    from pht.audit import Actor
    from rehab import services

    return services.record_review(
        actor=Actor(user, plan.clinic),
        plan=plan,
        data={
            **REVIEW_DEFAULTS,
            "reviewed_on": reviewed_on or datetime.date.today(),
            **data,
        },
    )


def audit_write_queries() -> int:
    """Queries one access-log write costs inside a test transaction.

    SAVEPOINT, read of the previous row's hash, INSERT, RELEASE; on PostgreSQL also the
    advisory lock that serialises appends to the chain (pht.chain).
    """
    from django.db import connection

    return 5 if connection.vendor == "postgresql" else 4


def change_todays_ratios(monkeypatch, **changes):
    """Change the likelihood-ratio table everywhere it has been imported (``from ... import``
    copies included), as a new rules release would."""
    import dataclasses
    import sys

    from pht.rules import probability

    table = probability.PROVOCATION_TESTS
    changed = tuple(dataclasses.replace(t, **{k: f(t) for k, f in changes.items()}) for t in table)
    for module in list(sys.modules.values()):
        if getattr(module, "PROVOCATION_TESTS", None) is table:
            monkeypatch.setattr(module, "PROVOCATION_TESTS", changed)
    return changed
