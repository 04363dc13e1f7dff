"""The consultation: record findings with live reasoning, sign, amend, re-evaluate."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments import presenter, reasoning, selectors, services
from assessments.forms import AssessmentForm
from assessments.models import Assessment
from pht import audit
from pht.audit import Actor
from pht.rules import RULES_VERSION
from pht.rules.findings import label

FORM_TEMPLATE = "assessments/assessment_form.html"


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
    return render(
        request,
        FORM_TEMPLATE,
        {
            "form": form,
            "patient": patient,
            "assessment": assessment,
            "evaluation": evaluation,
            "panel_errors": _panel_errors(form),
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


def assessment_create(request, patient_id):
    patient = selectors.get_patient_for(request, patient_id)
    audit.viewed(request, patient, detail="new assessment")
    if patient.is_archived:
        messages.error(
            request, "This patient is archived. Restore the record before recording an assessment."
        )
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
    messages.success(request, "Draft saved. You can keep editing, or review and sign it.")
    return redirect("assessments:assessment_edit", assessment_id=assessment.pk)


def assessment_edit(request, assessment_id):
    assessment = selectors.get_assessment_for(request, assessment_id)
    audit.viewed(request, assessment, detail="edit draft")
    patient = assessment.patient
    if assessment.is_signed:
        messages.error(request, services.SIGNED_LOCKED)
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
    form = AssessmentForm(request.POST, patient=patient)
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
    messages.success(request, "Draft saved.")
    if request.POST.get("action") == "review":
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    return redirect("assessments:assessment_edit", assessment_id=assessment.pk)


@require_POST
def assessment_panel(request, patient_id):
    """The live reasoning panel: evaluate the posted form without saving anything.

    Always answers 200 with the panel fragment; invalid input is shown in the panel, never
    raised, so the htmx swap always has something sensible to show.
    """
    patient = selectors.get_patient_for(request, patient_id)
    form = AssessmentForm(request.POST, patient=patient)
    evaluation = form.entry.evaluation if form.is_valid() else None
    return render(
        request,
        f"{FORM_TEMPLATE}#panel",
        {"evaluation": evaluation, "panel_errors": _panel_errors(form), "patient": patient},
    )


def assessment_detail(request, assessment_id, sign_form=None, status=200):
    assessment = selectors.get_assessment_for(request, assessment_id)
    audit.viewed(request, assessment)
    if sign_form is None and not assessment.is_signed:
        sign_form = SignForm(initial={"lock_version": assessment.lock_version})
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "assessment": assessment,
            "patient": assessment.patient,
            "evaluation": assessment.evaluation,
            "sign_form": sign_form,
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
def assessment_sign(request, assessment_id):
    assessment = selectors.get_assessment_for(request, assessment_id)
    if assessment.is_signed:
        messages.error(request, "This assessment is already signed.")
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
    except services.StaleDraft as error:
        messages.error(request, str(error))
        return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
    if not signed.is_signed:
        messages.warning(request, services.RULES_CHANGED)
    else:
        messages.success(request, f"Assessment signed by {request.user} and locked.")
    return redirect("assessments:assessment_detail", assessment_id=assessment.pk)


@require_POST
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
    return redirect("assessments:assessment_edit", assessment_id=amendment.pk)


@require_POST
def assessment_reevaluate(request, assessment_id):
    assessment = selectors.get_assessment_for(request, assessment_id)
    try:
        result = services.reevaluate_assessment(
            actor=Actor.from_request(request), assessment=assessment
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Re-evaluated under rules {result.rules_version}. The signed reasoning "
            f"(rules {assessment.rules_version}) is kept unchanged above.",
        )
    return redirect("assessments:assessment_detail", assessment_id=assessment.pk)
