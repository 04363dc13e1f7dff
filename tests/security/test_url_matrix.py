"""Every URL pattern, tried as each member of the cast.

The patterns are enumerated from the URLconf: a new URL without an entry in SPECS fails
``test_every_url_pattern_has_a_spec``, so nothing is left uncovered by accident.
"""

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pht.models import AccessLog


@dataclass(frozen=True)
class Spec:
    objects: dict[str, str] = field(default_factory=dict)  # URL kwarg -> fixture name
    post_only: bool = False
    admin_only: bool = False
    public: bool = False


SPECS: dict[str, Spec] = {
    "login": Spec(public=True),
    "logout": Spec(post_only=True),
    "password_change": Spec(),
    "password_change_done": Spec(),
    "dashboard": Spec(),
    "clinic_switch": Spec(post_only=True),
    "clinic_settings": Spec(admin_only=True),
    # Two-factor sign-in: the user's own factors, never another's (no object in the URL).
    "two_factor_setup": Spec(),
    "two_factor_verify": Spec(),
    "two_factor_app": Spec(),
    "two_factor_app_start": Spec(post_only=True),
    "two_factor_recovery_codes": Spec(post_only=True),
    "two_factor_new_codes": Spec(),
    "two_factor_remove": Spec(post_only=True),
    # django-otp-webauthn's JSON endpoints (passkeys) and its script's translations.
    "passkey_register_begin": Spec(post_only=True),
    "passkey_register_complete": Spec(post_only=True),
    "passkey_verify_begin": Spec(post_only=True),
    "passkey_verify_complete": Spec(post_only=True),
    "passkey_i18n": Spec(),
    "assessments:patient_list": Spec(),
    "assessments:patient_create": Spec(),
    "assessments:patient_detail": Spec(objects={"patient_id": "patient"}),
    "assessments:patient_edit": Spec(objects={"patient_id": "patient"}),
    "assessments:patient_archive": Spec(
        objects={"patient_id": "patient"}, post_only=True, admin_only=True
    ),
    "assessments:patient_restore": Spec(
        objects={"patient_id": "patient"}, post_only=True, admin_only=True
    ),
    "assessments:patient_duplicates": Spec(admin_only=True),
    "assessments:patient_merge": Spec(objects={"patient_id": "patient"}, admin_only=True),
    "assessments:patient_not_duplicate": Spec(
        objects={"patient_id": "patient"}, post_only=True, admin_only=True
    ),
    "assessments:patient_not_duplicate_undo": Spec(
        objects={"patient_id": "patient"}, post_only=True, admin_only=True
    ),
    "assessments:patient_import": Spec(admin_only=True),
    "assessments:patient_import_template": Spec(admin_only=True),
    "assessments:patient_import_detail": Spec(
        objects={"import_id": "patient_import"}, admin_only=True
    ),
    "assessments:patient_import_commit": Spec(
        objects={"import_id": "patient_import"}, post_only=True, admin_only=True
    ),
    "assessments:patient_import_cancel": Spec(
        objects={"import_id": "patient_import"}, post_only=True, admin_only=True
    ),
    "assessments:patient_import_progress": Spec(
        objects={"import_id": "patient_import"}, admin_only=True
    ),
    "assessments:patient_import_report": Spec(
        objects={"import_id": "patient_import"}, admin_only=True
    ),
    "rehab:exercise_list": Spec(),
    "rehab:exercise_create": Spec(admin_only=True),
    "rehab:exercise_detail": Spec(objects={"slug": "custom_exercise_ref"}),
    "rehab:plan_new": Spec(objects={"assessment_id": "signed_assessment"}),
    "rehab:plan_detail": Spec(objects={"plan_id": "rehab_plan"}),
    "rehab:plan_edit": Spec(objects={"plan_id": "rehab_plan"}),
    "rehab:review_new": Spec(objects={"plan_id": "rehab_plan"}),
    "rehab:handout": Spec(objects={"plan_id": "rehab_plan"}),
    "rehab:handout_pdf": Spec(objects={"plan_id": "rehab_plan"}),
    "rehab:review_detail": Spec(objects={"review_id": "rehab_review"}),
    "rehab:review_accept": Spec(objects={"review_id": "rehab_review"}, post_only=True),
    "rehab:review_link_visa_h": Spec(objects={"review_id": "rehab_review"}, post_only=True),
    "assessments:assessment_create": Spec(objects={"patient_id": "patient"}),
    "assessments:assessment_panel": Spec(objects={"patient_id": "patient"}, post_only=True),
    "assessments:assessment_autosave_new": Spec(objects={"patient_id": "patient"}, post_only=True),
    "assessments:assessment_autosave": Spec(
        objects={"assessment_id": "draft_assessment"}, post_only=True
    ),
    "assessments:assessment_discard": Spec(
        objects={"assessment_id": "draft_assessment"}, post_only=True
    ),
    "assessments:visa_h_create": Spec(objects={"patient_id": "patient"}),
    "assessments:visa_h_detail": Spec(objects={"response_id": "visa_h_response"}),
    "assessments:assessment_detail": Spec(objects={"assessment_id": "signed_assessment"}),
    "assessments:assessment_edit": Spec(objects={"assessment_id": "draft_assessment"}),
    "assessments:assessment_sign": Spec(
        objects={"assessment_id": "draft_assessment"}, post_only=True
    ),
    "assessments:assessment_amend": Spec(
        objects={"assessment_id": "signed_assessment"}, post_only=True
    ),
    "assessments:assessment_reevaluate": Spec(
        objects={"assessment_id": "signed_assessment"}, post_only=True
    ),
    # Clinic users, invitations, the audit page (clinic admins); invitation links and password
    # reset (public: the token in the link is the credential).
    "clinic_users": Spec(admin_only=True),
    "clinic_user_invite": Spec(admin_only=True),
    "clinic_user_role": Spec(
        objects={"membership_id": "colleague_membership"}, post_only=True, admin_only=True
    ),
    "clinic_user_deactivate": Spec(
        objects={"membership_id": "colleague_membership"}, post_only=True, admin_only=True
    ),
    "clinic_user_reactivate": Spec(
        objects={"membership_id": "colleague_membership"}, post_only=True, admin_only=True
    ),
    "clinic_user_unlock": Spec(
        objects={"membership_id": "colleague_membership"}, post_only=True, admin_only=True
    ),
    "clinic_user_reset_two_factor": Spec(
        objects={"membership_id": "colleague_membership"}, post_only=True, admin_only=True
    ),
    "clinic_invitation_renew": Spec(
        objects={"invitation_id": "pending_invitation"}, post_only=True, admin_only=True
    ),
    "clinic_invitation_revoke": Spec(
        objects={"invitation_id": "pending_invitation"}, post_only=True, admin_only=True
    ),
    "clinic_audit": Spec(admin_only=True),
    "invitation_accept": Spec(objects={"token": "invitation_token"}, public=True),
    "password_reset": Spec(public=True),
    "password_reset_done": Spec(public=True),
    "password_reset_confirm": Spec(
        objects={"uidb64": "reset_uid", "token": "reset_token"}, public=True
    ),
    "password_reset_complete": Spec(public=True),
    "exports:index": Spec(admin_only=True),
    "exports:clinic_csv": Spec(admin_only=True),
    "exports:patient_csv": Spec(objects={"patient_id": "patient"}),
    "exports:patient_fhir": Spec(objects={"patient_id": "patient"}),
    "exports:assessment_fhir": Spec(objects={"assessment_id": "signed_assessment"}),
    "exports:assessment_summary": Spec(objects={"assessment_id": "signed_assessment"}),
    "exports:assessment_summary_pdf": Spec(objects={"assessment_id": "draft_assessment"}),
}

# Django's admin is for superusers and guards itself; it is not part of the product's URLs.
EXCLUDED_NAMESPACES = {"admin"}


def enumerate_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from enumerate_url_names(entry, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name, so it cannot be covered"
            yield namespace + entry.name


def test_every_url_pattern_has_a_spec():
    assert set(enumerate_url_names()) == set(SPECS)


def build_url(name, spec, request):
    kwargs = {kwarg: request.getfixturevalue(fixture).pk for kwarg, fixture in spec.objects.items()}
    return reverse(name, kwargs=kwargs)


def call(client, url, spec, method=None):
    method = method or ("post" if spec.post_only else "get")
    return getattr(client, method)(url)


CLINICAL_MODELS_EXCLUDED = {"accesslog", "session", "logentry"}


def fingerprint():
    """A snapshot of every row of every model except logs and sessions."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.model_name in CLINICAL_MODELS_EXCLUDED:
            continue
        snapshot[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return snapshot


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if not s.public))
def test_anonymous_users_are_sent_to_login(client, name, request, patient):
    spec = SPECS[name]
    response = call(client, build_url(name, spec, request), spec)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Public pages keyed by a token (an invitation, a password reset) belong to no clinic.
SCOPED = sorted(n for n, s in SPECS.items() if s.objects and not s.public)


@pytest.mark.parametrize("name", SCOPED)
def test_another_clinic_gets_404(other_client, name, request):
    spec = SPECS[name]
    url = build_url(name, spec, request)
    before = fingerprint()
    assert call(other_client, url, spec).status_code == 404
    assert fingerprint() == before


@pytest.mark.parametrize("name", SCOPED)
def test_another_clinics_admin_gets_404_too(name, request, clinic_b):
    from django.test import Client

    from pht.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    other_admin = UserFactory(username="eve")
    MembershipFactory(user=other_admin, clinic=clinic_b, role=Membership.Role.CLINIC_ADMIN)
    client = Client()
    client.force_login(other_admin)
    spec = SPECS[name]
    assert call(client, build_url(name, spec, request), spec).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.admin_only))
def test_the_wrong_role_gets_403(clinician_client, name, request):
    spec = SPECS[name]
    url = build_url(name, spec, request)
    before = fingerprint()
    assert call(clinician_client, url, spec).status_code == 403
    assert fingerprint() == before


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.post_only))
def test_post_only_views_refuse_get(admin_client_a, name, request):
    spec = SPECS[name]
    url = build_url(name, spec, request)
    before = fingerprint()
    assert call(admin_client_a, url, spec, "get").status_code == 405
    assert fingerprint() == before


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if not s.post_only))
def test_get_never_changes_data(admin_client_a, name, request):
    spec = SPECS[name]
    url = build_url(name, spec, request)
    before = fingerprint()
    response = admin_client_a.get(url)
    assert response.status_code in (200, 302)
    assert fingerprint() == before


def test_viewing_is_logged_but_nothing_else_changes(admin_client_a, patient):
    before = fingerprint()
    admin_client_a.get(reverse("assessments:patient_detail", args=[patient.pk]))
    assert fingerprint() == before
    assert AccessLog.objects.filter(action="view").count() == 1


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.public))
def test_public_pages_answer_anonymous_users(client, name, request):
    spec = SPECS[name]
    response = client.get(build_url(name, spec, request), follow=True)
    assert response.status_code == 200


@pytest.fixture
def custom_exercise_ref(custom_exercise):
    """Exercise URLs carry the slug, and build_url reads ``.pk``: hand it the slug."""
    from types import SimpleNamespace

    return SimpleNamespace(pk=custom_exercise.slug)
