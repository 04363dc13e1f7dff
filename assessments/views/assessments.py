"""The consultation: record findings with live reasoning, sign, amend, re-evaluate."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments import presenter, reasoning, selectors, services
from assessments.forms import AssessmentForm
from assessments.models import Assessment
from pht import audit, submissions
from pht.audit import Actor
from pht.rules import RULES_VERSION
from pht.rules.findings import label

FORM_TEMPLATE = "assessments/assessment_form.html"
ARCHIVED = "This patient is archived. Restore the record before recording an assessment."


class SignForm(forms.Form):
    red_flag_action = forms.ChoiceField(
        label="Action taken for the red flag(s)",
        choices=Assessment.RedFlagAction.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    red_flag_action_note = forms.CharField(
        label="Details (where you referred, or why you did not refer)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    red_flag_screen_reason = forms.CharField(
        label="Reason the red-flag screen was not completed",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text="Printed on the summary. Better: answer the questions in the draft.",
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def _form_page(
    request, *, form, patient, assessment=None, evaluation=None, status=200, carried_forward=None
):
    if evaluation is None and form.is_bound and form.is_valid():
        evaluation = form.entry.evaluation
    return render(
        request,
        FORM_TEMPLATE,
        {
            "form": form,
            "patient": patient,
            "assessment": assessment,
            "evaluation": evaluation,
            "panel_errors": _panel_errors(form),
            "panel_warnings": form.warning_labels,
            "autosave_url": (
                reverse("assessments:assessment_autosave", args=[assessment.pk])
                if assessment
                else reverse("assessments:assessment_autosave_new", args=[patient.pk])
            ),
            "carried_forward": carried_forward,
        },
        status=status,
    )


def _panel_errors(form) -> list[str]:
    if not form.is_bound or form.is_valid():
        return []
    errors = []
    for name, field_errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        errors.extend(f"{label}: {e}" if label else e for e in field_errors)
    return errors


@submissions.once("Already saved: this is the draft you saved.")
def assessment_create(request, patient_id):
    patient = selectors.get_patient_for(request, patient_id)
    audit.viewed(request, patient, detail="new assessment")
    if patient.is_archived:
        messages.error(request, ARCHIVED)
        return redirect("assessments:patient_detail", patient_id=patient.pk)
    if request.method != "POST":
        # "Re-assess": ?from=<a signed assessment> carries its history forward, to confirm.
        carried = None
        if request.GET.get("from"):
            carried = selectors.carry_forward_for(
                request, patient, request.GET["from"], assessed_on=timezone.localdate()
            )
            if carried is None:
                messages.warning(request, "Nothing was carried forward: the form starts blank.")
        form = AssessmentForm(
            initial={"assessed_on": timezone.localdate(), **(carried.initial if carried else {})},
            patient=patient,
        )
        evaluation = reasoning.evaluate(
            reasoning.build_findings(
                patient=patient,
                assessed_on=timezone.localdate(),
                side=carried.initial.get("side", "") if carried else "",
                recorded=carried.findings if carried else {},
            )
        )
        return _form_page(
            request, form=form, patient=patient, evaluation=evaluation, carried_forward=carried
        )
    form = AssessmentForm(request.POST, patient=patient)
    if not form.is_valid():
        return _form_page(request, form=form, patient=patient)
    if request.POST.get("action") == "evaluate":
        return _form_page(request, form=form, patient=patient, evaluation=form.entry.evaluation)
    assessment = services.create_assessment(
        actor=Actor.from_request(request), patient=patient, entry=form.entry
    )
    messages.success(
        request, _saved_message(form, "Draft saved. You can keep editing, or review and sign it.")
    )
    if request.POST.get("action") == "review":
        return submissions.done(
            request, redirect("assessments:assessment_detail", assessment_id=assessment.pk)
        )
    return submissions.done(
        request, redirect("assessments:assessment_edit", assessment_id=assessment.pk)
    )


def assessment_edit(request, assessment_id):
    assessment = selectors.get_assessment_for(request, assessment_id)
    audit.viewed(request, assessment, detail="edit draft")
    patient = assessment.patient
    if assessment.is_signed or assessment.is_discarded or patient.is_archived:
        messages.error(
            request,
            services.PATIENT_ARCHIVED
            if patient.is_archived
            else services.DISCARDED
            if assessment.is_discarded
            else services.SIGNED_LOCKED,
        )
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    if request.method != "POST":
        form = AssessmentForm(initial=AssessmentForm.initial_for(assessment), patient=patient)
        return _form_page(
            request,
            form=form,
            patient=patient,
            assessment=assessment,
            evaluation=assessment.evaluation,
        )
    form = _posted_form(request, assessment)
    if not form.is_valid():
        return _form_page(request, form=form, patient=patient, assessment=assessment)
    if request.POST.get("action") == "evaluate":
        return _form_page(
            request,
            form=form,
            patient=patient,
            assessment=assessment,
            evaluation=form.entry.evaluation,
        )
    try:
        services.save_draft(
            actor=Actor.from_request(request),
            assessment=assessment,
            entry=form.entry,
            lock_version=form.cleaned_data.get("lock_version") or 0,
        )
    except (services.StaleDraft, services.AssessmentLocked) as error:
        form.add_error(None, str(error))
        return _form_page(request, form=form, patient=patient, assessment=assessment, status=409)
    messages.success(request, _saved_message(form, "Draft saved."))
    if request.POST.get("action") == "review":
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    return redirect("assessments:assessment_edit", assessment_id=assessment.pk)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _posted_form(request, assessment: Assessment) -> AssessmentForm:
    """The posted form of a draft; what the form does not take (the VISA-H total, which comes
    from the questionnaire) is kept from the stored draft."""
    return AssessmentForm(
        request.POST, initial=AssessmentForm.initial_for(assessment), patient=assessment.patient
    )


def _saved_message(form: AssessmentForm, saved: str) -> str:
    if not form.warnings:
        return saved
    return (
        f"{saved} {len(form.warnings)} answer(s) disagree with others: they are kept in the draft, "
        "highlighted below and left out of the suggestions until resolved. Signing needs them "
        "resolved."
    )


# --- autosave ----------------------------------------------------------------------------
# The consultation page saves the draft in the background (static/js/consultation.js): a
# debounced POST of the whole form through the same form and services as "Save draft", with the
# version check. Answers JSON; "signed out" is answered by the log-in middleware (401).


def _autosave_answer(form: AssessmentForm, assessment: Assessment, *, created: bool) -> dict:
    return {
        "status": "saved",
        "saved_at": timezone.localtime(assessment.updated_at).strftime("%H:%M"),
        "lock_version": assessment.lock_version,
        "edit_url": reverse("assessments:assessment_edit", args=[assessment.pk]),
        "autosave_url": reverse("assessments:assessment_autosave", args=[assessment.pk]),
        "review_url": reverse("assessments:assessment_detail", args=[assessment.pk]),
        "created": created,
        "disagreements": len(form.warnings),
    }


def _not_saved(form: AssessmentForm) -> JsonResponse:
    return JsonResponse({"status": "invalid", "errors": _panel_errors(form)}, status=400)


@require_POST
def assessment_autosave_new(request, patient_id):
    """The first background save of a new consultation: creates the draft."""
    patient = selectors.get_patient_for(request, patient_id)
    form = AssessmentForm(request.POST, patient=patient)
    if patient.is_archived:
        return JsonResponse({"status": "refused", "message": ARCHIVED}, status=409)
    if not form.is_valid():
        return _not_saved(form)
    assessment = services.create_assessment(
        actor=Actor.from_request(request), patient=patient, entry=form.entry
    )
    return JsonResponse(_autosave_answer(form, assessment, created=True), status=201)


@require_POST
def assessment_autosave(request, assessment_id):
    """A background save of a draft, with the version check (409 when someone else saved)."""
    assessment = selectors.get_assessment_for(request, assessment_id)
    form = _posted_form(request, assessment)
    if not form.is_valid():
        return _not_saved(form)
    try:
        saved = services.save_draft(
            actor=Actor.from_request(request),
            assessment=assessment,
            entry=form.entry,
            lock_version=form.cleaned_data.get("lock_version") or 0,
        )
    except (services.StaleDraft, services.AssessmentLocked) as error:
        return JsonResponse({"status": "conflict", "message": str(error)}, status=409)
    return JsonResponse(_autosave_answer(form, saved, created=False))


@require_POST
def assessment_panel(request, patient_id):
    """The live reasoning panel: evaluate the posted form without saving anything.

    Always answers 200 with the panel fragment; invalid input is shown in the panel, never
    raised, so the htmx swap always has something sensible to show.
    """
    patient = selectors.get_patient_for(request, patient_id)
    form = AssessmentForm(request.POST, patient=patient)
    draft_id = request.POST.get("draft", "")
    if draft_id:
        draft = selectors.assessments_for(request).filter(patient=patient, pk=_uuid(draft_id))
        if (found := draft.first()) is not None:
            form = _posted_form(request, found)
    evaluation = form.entry.evaluation if form.is_valid() else None
    return render(
        request,
        "assessments/_panel_update.html",
        {
            "evaluation": evaluation,
            "panel_errors": _panel_errors(form),
            "panel_warnings": form.warning_labels,
            "patient": patient,
        },
    )


def assessment_detail(request, assessment_id, sign_form=None, status=200):
    assessment = selectors.get_assessment_for(request, assessment_id)
    audit.viewed(request, assessment)
    may_sign = not assessment.is_signed and services.may_sign(request.user, assessment)
    if sign_form is None and may_sign:
        sign_form = SignForm(initial={"lock_version": assessment.lock_version})
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "assessment": assessment,
            "patient": assessment.patient,
            "evaluation": assessment.evaluation,
            "sign_form": sign_form,
            "may_sign": may_sign,
            "signing_for_colleague": may_sign and assessment.clinician_id != request.user.pk,
            "versions": selectors.assessment_versions(assessment),
            "reevaluations": assessment.reevaluations.select_related("requested_by")[:10],
            "visa_h_responses": assessment.visa_h_responses.all()[:10],
            "rules_changed": assessment.rules_version != RULES_VERSION,
            "current_rules_version": RULES_VERSION,
            "recorded": presenter.finding_rows(
                assessment.evaluated_findings or assessment.findings,
                assessment.provocation_tests,
            ),
            "working_diagnosis": presenter.working_diagnosis(assessment),
            "screen_unasked_labels": [label(key) for key in assessment.screen_unasked],
        },
        status=status,
    )


@require_POST
@submissions.once("Already signed: this is the signed assessment.")
def assessment_sign(request, assessment_id):
    assessment = selectors.get_assessment_for(request, assessment_id)
    if assessment.is_signed:
        # A second click on Sign, or a colleague signed first: the first signature stands.
        messages.info(request, _already_signed(assessment))
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        return assessment_detail(request, assessment_id, sign_form=form)
    try:
        signed = services.sign_assessment(
            actor=Actor.from_request(request),
            assessment=assessment,
            lock_version=form.cleaned_data["lock_version"],
            red_flag_action=form.cleaned_data["red_flag_action"],
            red_flag_action_note=form.cleaned_data["red_flag_action_note"],
            red_flag_screen_reason=form.cleaned_data["red_flag_screen_reason"],
        )
    except ValidationError as error:
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
        return assessment_detail(request, assessment_id, sign_form=form)
    except services.AssessmentLocked:
        assessment.refresh_from_db()
        messages.info(request, _already_signed(assessment))
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    except services.StaleDraft as error:
        messages.error(request, str(error))
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    if not signed.is_signed:
        messages.warning(request, services.RULES_CHANGED)
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    messages.success(request, f"Assessment signed by {request.user} and locked.")
    return submissions.done(
        request, redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    )


def _already_signed(assessment: Assessment) -> str:
    if assessment.is_discarded:
        return "This draft was discarded, so it cannot be signed."
    when = timezone.localtime(assessment.signed_at) if assessment.signed_at else None
    by = assessment.signed_by or "a colleague"
    return f"Already signed by {by}{f' at {when:%H:%M}' if when else ''}: nothing else changed."


@require_POST
@submissions.once("Already discarded: the signed version stands.")
def assessment_discard(request, assessment_id):
    """Give up an amendment draft: kept (and audited) as discarded; the signed version stands."""
    assessment = selectors.get_assessment_for(request, assessment_id)
    try:
        services.discard_amendment(actor=Actor.from_request(request), assessment=assessment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    messages.success(
        request,
        f"Amendment (version {assessment.version}) discarded. The signed version "
        f"{assessment.amends.version} stands unchanged.",
    )
    return submissions.done(
        request, redirect("assessments:assessment_detail", assessment_id=assessment.amends_id)
    )


@require_POST
@submissions.once("Already done — this is the amendment you opened.")
def assessment_amend(request, assessment_id):
    assessment = selectors.get_assessment_for(request, assessment_id)
    try:
        amendment = services.amend_assessment(
            actor=Actor.from_request(request), assessment=assessment
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    messages.info(
        request,
        f"Amendment (version {amendment.version}) opened as a draft. The signed version "
        f"{assessment.version} stays as it was.",
    )
    return submissions.done(
        request, redirect("assessments:assessment_edit", assessment_id=amendment.pk)
    )


@require_POST
@submissions.once("Already done — the re-evaluation is shown below.")
def assessment_reevaluate(request, assessment_id):
    assessment = selectors.get_assessment_for(request, assessment_id)
    try:
        result = services.reevaluate_assessment(
            actor=Actor.from_request(request), assessment=assessment
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    messages.success(
        request,
        f"Re-evaluated under rules {result.rules_version}. The signed reasoning "
        f"(rules {assessment.rules_version}) is kept unchanged above.",
    )
    return submissions.done(
        request, redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    )
