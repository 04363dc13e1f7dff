"""The fixed cast every test uses.

Clinic A ("Northside Physio"): ``clinician`` (Ada), ``colleague`` (Ben, another clinician)
and ``clinic_admin`` (Cara). Clinic B ("Southside Sports Clinic"): ``other_clinician`` (Dev).
``patient`` belongs to clinic A, ``other_patient`` to clinic B.
"""

import pytest
from django.test import Client

from pht.models import Membership
from tests.factories import ClinicFactory, MembershipFactory, PatientFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: counters kept there (password-reset e-mails an
    hour) and cached pages must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def clinic_a(db):
    return ClinicFactory(name="Northside Physio")


@pytest.fixture
def clinic_b(db):
    return ClinicFactory(name="Southside Sports Clinic")


def _member(username, first, clinic, role=Membership.Role.CLINICIAN):
    user = UserFactory(username=username, first_name=first)
    MembershipFactory(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def clinician(clinic_a):
    return _member("ada", "Ada", clinic_a)


@pytest.fixture
def colleague(clinic_a):
    return _member("ben", "Ben", clinic_a)


@pytest.fixture
def clinic_admin(clinic_a):
    return _member("cara", "Cara", clinic_a, Membership.Role.CLINIC_ADMIN)


@pytest.fixture
def other_clinician(clinic_b):
    return _member("dev", "Dev", clinic_b)


@pytest.fixture
def patient(clinic_a):
    return PatientFactory(
        clinic=clinic_a, identifier="NS-0001", given_name="Hannah", family_name="Clarke"
    )


@pytest.fixture
def other_patient(clinic_b):
    return PatientFactory(
        clinic=clinic_b, identifier="SS-0001", given_name="Karin", family_name="Lindqvist"
    )


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clinician_client(clinician):
    return _client_for(clinician)


@pytest.fixture
def colleague_client(colleague):
    return _client_for(colleague)


@pytest.fixture
def admin_client_a(clinic_admin):
    return _client_for(clinic_admin)


@pytest.fixture
def other_client(other_clinician):
    return _client_for(other_clinician)


@pytest.fixture
def draft_assessment(patient, clinician):
    from tests.factories import make_assessment

    return make_assessment(patient=patient, user=clinician)


@pytest.fixture
def signed_assessment(patient, clinician):
    from tests.factories import make_assessment

    return make_assessment(patient=patient, user=clinician, sign=True)


VISA_H_ANSWERS = {"q1": 5, "q2": 6, "q3": 4, "q4": 6, "q5": 7, "q6": 5, "q7": 1, "q8b": 2}


@pytest.fixture
def visa_h_response(patient, clinician):
    import datetime

    from assessments import services
    from pht.audit import Actor

    return services.record_visa_h(
        actor=Actor(clinician, patient.clinic),
        patient=patient,
        answers=VISA_H_ANSWERS,
        completed_on=datetime.date(2026, 11, 2),
    )


# --- Rehab (issue 5) -----------------------------------------------------------------------


@pytest.fixture
def rehab_plan(signed_assessment, clinician):
    """A stage-1 plan from the signed assessment, started three weeks ago."""
    import datetime

    from tests.factories import make_plan

    return make_plan(
        assessment=signed_assessment,
        user=clinician,
        started_on=datetime.date.today() - datetime.timedelta(weeks=3),
    )


@pytest.fixture
def rehab_review(rehab_plan, clinician):
    """A review of ``rehab_plan`` that suggests progress (not yet accepted)."""
    from tests.factories import make_review

    return make_review(plan=rehab_plan, user=clinician)


@pytest.fixture
def custom_exercise(clinic_a, clinic_admin):
    """Clinic A's own exercise."""
    from pht.audit import Actor
    from rehab import services

    return services.create_custom_exercise(
        actor=Actor(clinic_admin, clinic_a),
        data={
            "slug": "cable-hip-extension",
            "name": "Cable hip extension",
            "load_type": "isotonic",
            "hip_flexion": "low",
            "sets": "3",
            "reps": "10-12",
            "hold_seconds": "",
            "rest_seconds": "90",
            "intensity": "About 12RM",
            "tempo": "3 s up, 3 s down",
            "frequency": "3 times a week",
            "instructions": "Stand facing the cable machine and push the leg back.",
            "cues": ["Keep the trunk upright"],
            "avoid": ["Arching the lower back"],
            "source_key": "Clinic",
            "source_citation": "Northside Physio protocol",
            "source_status": "Dev",
            "source_note": "",
        },
        stages=[2],
    )


# --- Clinic users, invitations, password reset (issue 15) ----------------------------------
# URLs carrying a membership's UUID, an invitation's token or a reset link: build_url reads
# ``.pk`` of each fixture, so the refs hand it the value the URL needs.


@pytest.fixture
def colleague_membership(colleague, clinic_a):
    from types import SimpleNamespace

    return SimpleNamespace(pk=Membership.objects.get(user=colleague, clinic=clinic_a).uuid)


@pytest.fixture
def invited(clinic_a, clinic_admin):
    """A pending invitation of clinic A (to eli@example.org, clinician) and its raw token."""
    from pht import accounts
    from pht.audit import Actor

    return accounts.invite(
        actor=Actor(clinic_admin, clinic_a), email="eli@example.org", role="clinician"
    )


@pytest.fixture
def pending_invitation(invited):
    return invited[0]


@pytest.fixture
def invitation_token(invited):
    from types import SimpleNamespace

    return SimpleNamespace(pk=invited[1])


@pytest.fixture
def reset_uid(clinician):
    from types import SimpleNamespace

    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return SimpleNamespace(pk=urlsafe_base64_encode(force_bytes(clinician.pk)))


@pytest.fixture
def reset_token(clinician):
    from types import SimpleNamespace

    from django.contrib.auth.tokens import default_token_generator

    return SimpleNamespace(pk=default_token_generator.make_token(clinician))


# --- Patient import (issue 15) -------------------------------------------------------------


@pytest.fixture
def patient_import(clinic_a, clinic_admin, patient):
    """A checked (not yet confirmed) CSV import in clinic A: one new patient, one row that
    is ``patient`` again (same names and date of birth, no identifier)."""
    from assessments import patient_import as reading
    from assessments import services
    from pht.audit import Actor

    data = (
        "Identifier,Given name,Family name,Date of birth\n"
        "NS-0100,Iris,Okafor,04/03/1979\n"
        f",{patient.given_name},{patient.family_name},{patient.date_of_birth:%d/%m/%Y}\n"
    ).encode()
    parsed = reading.parse(data, max_bytes=10**6, max_rows=100)
    return services.preview_patient_import(
        actor=Actor(clinic_admin, clinic_a), file_name="patients.csv", data=data, parsed=parsed
    )
