"""Rehab pages: views translate HTTP to a service or selector call and back."""

import datetime
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments.presenter import present
from assessments.reasoning import stage_shown
from assessments.selectors import get_assessment_for
from pht import access, audit, submissions
from pht.audit import Actor
from pht.db_router import replica_reads
from pht.rules import rehab as rules
from rehab import handout, plan_editor, selectors, services
from rehab.forms import (
    ExerciseFilterForm,
    ExerciseForm,
    PickerForm,
    PlanForm,
    PlanItemFormSet,
    PlanOptionsForm,
    ReviewForm,
)

DEFAULT_REVIEW_WEEKS = 2
ROWS_CHANGED = "The list of exercises changed; reload the page."
ARCHIVED = (
    "This patient is archived, so the record is read-only. A clinic admin can restore it "
    "from the patient's page."
)


def _read_only(request, patient, to, **kwargs):
    """An archived patient's plans and reviews are read-only: say so and go back to ``to``."""
    if not patient.is_archived:
        return None
    messages.error(request, ARCHIVED)
    return redirect(to, **kwargs)


# --- exercise library -----------------------------------------------------------------


@replica_reads
def exercise_list(request):
    membership = access.require_membership(request)
    form = ExerciseFilterForm(request.GET)
    stage, load_type = None, ""
    if form.is_valid():
        stage, load_type = form.cleaned_data["stage"], form.cleaned_data["load_type"]
    exercises = selectors.filter_library(
        selectors.exercises_for(request), stage=stage, load_type=load_type
    )
    return render(
        request,
        "rehab/exercise_list.html",
        {"form": form, "exercises": exercises, "membership": membership, "stage": stage},
    )


def exercise_detail(request, slug):
    exercise = selectors.get_exercise_for(request, slug)
    return render(request, "rehab/exercise_detail.html", {"exercise": exercise})


@submissions.once("Already saved — this is the exercise you added.")
def exercise_create(request):
    access.require_clinic_admin(request)
    form = ExerciseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            exercise = services.create_custom_exercise(
                actor=Actor.from_request(request),
                data=form.exercise_data(),
                stages=form.cleaned_data["stages"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, f"{exercise.name} added to your clinic's library.")
            return submissions.done(request, redirect("rehab:exercise_detail", slug=exercise.slug))
    return render(request, "rehab/exercise_form.html", {"form": form})


# --- plans ------------------------------------------------------------------------------


def _library(request):
    return list(selectors.exercises_for(request).order_by("clinic_id", "order", "name"))


@dataclass
class Editor:
    """The plan editor's state for one request (``rehab.plan_editor``): what the page shows,
    and ``items`` when the clinician saved and everything checked out."""

    plan_form: PlanForm
    formset: object
    rows: list[plan_editor.Row]
    picker: list[plan_editor.PickerItem]
    picker_form: PickerForm
    change: plan_editor.Change | None = None
    items: list[services.PlanItem] | None = None

    def context(self) -> dict:
        kind, _, where = (self.change.focus if self.change else "").partition(":")
        rows = [
            {"form": form, "exercise": row.exercise, "focus": kind if str(i) == where else ""}
            for i, (form, row) in enumerate(zip(self.formset.forms, self.rows, strict=True))
        ]
        return {
            "form": self.plan_form,
            "formset": self.formset,
            "rows": rows,
            "rows_token": plan_editor.rows_token(self.rows),
            "picker": self.picker,
            "picker_form": self.picker_form,
            "picker_shown": sum(item.shown for item in self.picker),
            "added": self.change.added if self.change else (),
        }


def _plan_values(data) -> dict:
    """The plan form's values as posted, shown again (without errors) after an edit action."""
    return {name: data.get(name) for name in ("goals_need_running", "review_date", "notes")}


def _editor(request, *, start, offered, suggested, stage, initial) -> Editor:
    """Run the editor: GET shows ``start``; a POST applies its action to the posted rows (or
    refuses rows that are not the ones shown) and, for "save", checks everything."""
    data = request.POST if request.method == "POST" else None
    picker_form = PickerForm(data, initial={"picker_stage": stage if stage >= 1 else None})
    by_id = {e.pk: e for e in offered} | {row.exercise.pk: row.exercise for row in start}
    rows = plan_editor.posted_rows(data, by_id) if data is not None else start
    if data is None or rows is None:
        editor = _shown(start, PlanForm(data, initial=initial), picker_form, offered, suggested)
        if data is not None:
            editor.plan_form.add_error(None, ROWS_CHANGED)
        return editor
    adding = plan_editor.ticked(data, offered, rows)
    action = data.get("action", "save")
    if action != "save":
        change = plan_editor.apply(action, rows, adding)
        keep = set() if change.added else {e.pk for e in adding}
        editor = _shown(
            change.rows, PlanForm(initial=_plan_values(data)), picker_form, offered, suggested, keep
        )
        editor.change = change
        return editor
    editor = _shown(rows, PlanForm(data), picker_form, offered, suggested, {e.pk for e in adding})
    editor.formset = PlanItemFormSet(
        plan_editor.formset_data(data, rows), prefix=plan_editor.PREFIX
    )
    if editor.plan_form.is_valid() and editor.formset.is_valid():
        editor.items = [
            services.PlanItem(exercise=row.exercise, dosage=row_form.dosage())
            for row, row_form in zip(rows, editor.formset.forms, strict=True)
        ] + [services.PlanItem(exercise=e, dosage=e.dosage) for e in adding]
    return editor


def _shown(rows, plan_form, picker_form, offered, suggested, ticked_ids=frozenset()) -> Editor:
    """The editor showing ``rows`` (unbound: their values, no errors)."""
    return Editor(
        plan_form=plan_form,
        formset=PlanItemFormSet(prefix=plan_editor.PREFIX, initial=[r.initial() for r in rows]),
        rows=rows,
        picker=plan_editor.picker(
            offered,
            suggested=suggested,
            rows=rows,
            query=picker_form.query(),
            stage_filter=picker_form.stage()
            if picker_form.is_bound
            else picker_form.initial.get("picker_stage"),
            ticked_ids=set(ticked_ids),
        ),
        picker_form=picker_form,
    )


OVERRIDE_SESSION_KEY = "rehab-override:{}"


def _override_reason(request, assessment) -> str:
    """The override reason recorded in this session for this assessment ("" if none)."""
    return request.session.get(OVERRIDE_SESSION_KEY.format(assessment.pk), "")


def _plan_blocked(request, assessment, advice, *, error: str = "", reason: str = "", status=200):
    return TemplateResponse(
        request,
        "rehab/plan_blocked.html",
        {
            "assessment": assessment,
            "patient": assessment.patient,
            "advice": advice,
            "reasoning": present(assessment.evaluation),
            "error": error,
            "reason": reason,
            "max_length": services.OVERRIDE_MAX_LENGTH,
        },
        status=status,
    )


@submissions.once("Already saved — this is the plan you created.")
def plan_new(request, assessment_id):
    assessment = get_assessment_for(request, assessment_id)
    audit.viewed(request, assessment, detail="new rehab plan")
    if refused := _read_only(
        request, assessment.patient, "assessments:assessment_detail", assessment_id=assessment.pk
    ):
        return refused
    if not assessment.is_signed:
        return TemplateResponse(
            request,
            "rehab/plan_unavailable.html",
            {"assessment": assessment, "reason": services.DRAFT_ASSESSMENT},
            status=409,
        )
    advice = services.gate(assessment)
    if request.method == "POST" and request.POST.get("action") == "override":
        # Recording why rehab is planned against the advice: kept in the session until the
        # plan is saved with it (never in the URL), then stored on the plan and audited.
        reason = request.POST.get("override_reason", "").strip()
        if not reason or len(reason) > services.OVERRIDE_MAX_LENGTH:
            error = (
                "Give the clinical reason for planning rehab against the advice."
                if not reason
                else f"Keep the reason under {services.OVERRIDE_MAX_LENGTH} characters."
            )
            return _plan_blocked(
                request, assessment, advice, error=error, reason=reason, status=400
            )
        request.session[OVERRIDE_SESSION_KEY.format(assessment.pk)] = reason
        return redirect("rehab:plan_new", assessment_id=assessment.pk)
    override_reason = "" if advice.allowed else _override_reason(request, assessment)
    if not advice.allowed and not override_reason:
        return _plan_blocked(request, assessment, advice)
    options = PlanOptionsForm(request.GET)
    goals = options.goals()
    if request.method == "POST":
        goals = request.POST.get("goals_need_running") != "no"
    library = _library(request)
    proposal = services.propose(
        assessment=assessment,
        library=library,
        goals_need_running=goals,
        stage=options.chosen_stage(),
    )
    editor = _editor(
        request,
        start=[],  # nothing ticked for the clinician: the picker lists the rules' proposal
        offered=plan_editor.candidates(library, proposal.stage),
        suggested={exercise.slug for exercise in proposal.exercises},
        stage=proposal.stage,
        initial={
            "goals_need_running": "yes" if goals else "no",
            "review_date": timezone.localdate() + datetime.timedelta(weeks=DEFAULT_REVIEW_WEEKS),
        },
    )
    if editor.items is not None:
        try:
            plan = services.create_plan(
                actor=Actor.from_request(request),
                assessment=assessment,
                stage=proposal.stage,
                goals_need_running=editor.plan_form.cleaned_data["goals_need_running"] == "yes",
                review_date=editor.plan_form.cleaned_data["review_date"],
                items=editor.items,
                notes=editor.plan_form.cleaned_data["notes"],
                override_reason=override_reason,
            )
        except ValidationError as error:
            editor.plan_form.add_error(None, error)
        else:
            request.session.pop(OVERRIDE_SESSION_KEY.format(assessment.pk), None)
            messages.success(request, "Rehab plan saved.")
            return submissions.done(request, redirect("rehab:plan_detail", plan_id=plan.pk))
    return render(
        request,
        "rehab/plan_form.html",
        {
            "assessment": assessment,
            "patient": assessment.patient,
            "proposal": proposal,
            "options": options,
            **editor.context(),
            "stage": rules.rehab_stage(proposal.stage),
            "plan": None,
            "advice": advice,
            "override_reason": override_reason,
            "tendon_stage": stage_shown(assessment.evaluation or {}),
            "load_advice": rules.load_advice_for(proposal.stage, goals_need_running=goals),
        },
    )


@submissions.once("Already saved — this is the plan with your changes.")
def plan_edit(request, plan_id):
    plan = selectors.get_plan_for(request, plan_id)
    audit.viewed(request, plan, detail="edit")
    if refused := _read_only(request, plan.patient, "rehab:plan_detail", plan_id=plan.pk):
        return refused
    library = _library(request)
    specs = [services.spec_for(e) for e in library if e.status == e.Status.ACTIVE]
    editor = _editor(
        request,
        start=[plan_editor.Row.from_library(i.exercise, i) for i in selectors.plan_items(plan)],
        offered=plan_editor.candidates(library, plan.current_stage),
        suggested={spec.slug for spec in rules.exercises_for_stage(plan.current_stage, specs)},
        stage=plan.current_stage,
        initial={
            "goals_need_running": "yes" if plan.goals_need_running else "no",
            "review_date": plan.review_date,
            "notes": plan.notes,
        },
    )
    # The version the page was made from travels in a plain hidden input (not a form field:
    # a hidden field's own error could never be seen). Any mismatch, junk included, is a
    # conflict; the posted value is sent back so resubmitting stays a conflict until reload.
    data = request.POST if request.method == "POST" else None
    lock_version = str(plan.lock_version) if data is None else data.get("lock_version", "")
    status = 200
    if lock_version != str(plan.lock_version):
        # Saved by someone else since this form was made: say so before any other problem.
        editor.plan_form.add_error(None, services.STALE_PLAN)
        editor.items = None
        status = 409
    if editor.items is not None:
        try:
            services.update_plan(
                actor=Actor.from_request(request),
                plan=plan,
                goals_need_running=editor.plan_form.cleaned_data["goals_need_running"] == "yes",
                review_date=editor.plan_form.cleaned_data["review_date"],
                items=editor.items,
                notes=editor.plan_form.cleaned_data["notes"],
                # The digits of the stored version (checked above); the service checks
                # again under its row lock.
                lock_version=int(lock_version),
            )
        except ValidationError as error:
            editor.plan_form.add_error(None, error)
        except services.StalePlan as error:
            editor.plan_form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, "Rehab plan updated.")
            return submissions.done(request, redirect("rehab:plan_detail", plan_id=plan.pk))
    return render(
        request,
        "rehab/plan_form.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "assessment": plan.assessment,
            **editor.context(),
            "stage": plan.stage,
            "proposal": None,
            "lock_version": lock_version,
            "too_deep": {
                row.exercise.pk
                for row in editor.rows
                if not rules.hip_flexion_allowed(plan.current_stage, row.exercise.hip_flexion)
            },
        },
        status=status,
    )


def plan_detail(request, plan_id):
    plan = selectors.get_plan_for(request, plan_id)
    audit.viewed(request, plan)
    items = selectors.plan_items(plan)
    reviews = selectors.plan_reviews(plan)
    context = {
        "plan": plan,
        "patient": plan.patient,
        "stage": plan.stage,
        "items": items,
        "too_deep": [
            item
            for item in items
            if not rules.hip_flexion_allowed(plan.current_stage, item.exercise.hip_flexion)
        ],
        "reviews": reviews,
        "trend": selectors.pain_trend(reviews) if reviews else None,
        "pending": next((r for r in reviews if not r.is_accepted), None),
    }
    if plan.is_return_to_running:
        context.update(
            criteria=rules.RETURN_TO_RUN_CRITERIA,
            walk_run=rules.WALK_RUN_PROGRESSION,
            walk_run_source=rules.WALK_RUN_SOURCE,
            run_order=rules.RUN_PROGRESSION_ORDER,
            run_order_source=rules.RUN_PROGRESSION_ORDER_SOURCE,
            acceptable_run_pain=rules.ACCEPTABLE_RUN_PAIN,
        )
    return render(request, "rehab/plan_detail.html", context)


# --- reviews ----------------------------------------------------------------------------


def _questionnaire_from_query(request, questionnaires):
    """The questionnaire named by ``?visa_h=`` (arriving from Add VISA-H) if it is offered."""
    wanted = request.GET.get("visa_h", "")
    return next((q for q in questionnaires if str(q.pk) == wanted), None)


@submissions.once("Already saved — this is the review you recorded.")
def review_new(request, plan_id):
    plan = selectors.get_plan_for(request, plan_id)
    audit.viewed(request, plan, detail="new review")
    if refused := _read_only(request, plan.patient, "rehab:plan_detail", plan_id=plan.pk):
        return refused
    questionnaires = selectors.questionnaires_for_review(plan)
    today = timezone.localdate()
    chosen = _questionnaire_from_query(request, questionnaires)
    form = ReviewForm(
        request.POST if request.method == "POST" else None,
        plan=plan,
        questionnaires=questionnaires,
        initial={
            "reviewed_on": today,
            "next_review_on": today + datetime.timedelta(weeks=DEFAULT_REVIEW_WEEKS),
            "visa_h": chosen.pk if chosen else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.record_review(
                actor=Actor.from_request(request), plan=plan, data=form.review_data()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Review saved. Check the suggestion below.")
            return submissions.done(request, redirect("rehab:review_detail", review_id=review.pk))
    return render(
        request,
        "rehab/review_form.html",
        {"plan": plan, "patient": plan.patient, "form": form, "stage": plan.stage},
    )


def review_detail(request, review_id):
    review = selectors.get_review_for(request, review_id)
    audit.viewed(request, review)
    plan = review.plan
    questionnaires = []
    if review.visa_h_id is None and review.visa_h_total is None:
        questionnaires = list(selectors.questionnaires_for_review(plan))
    return render(
        request,
        "rehab/review_detail.html",
        {
            "review": review,
            "plan": plan,
            "patient": plan.patient,
            "suggested": rules.rehab_stage(review.suggested_stage),
            "can_accept": not review.is_accepted
            and review.stage_at_review == plan.current_stage
            and not plan.patient.is_archived,
            "questionnaires": questionnaires,
            "chosen": _questionnaire_from_query(request, questionnaires),
        },
    )


@require_POST
@submissions.once("Already done — the VISA-H was added to this review.")
def review_link_visa_h(request, review_id):
    """Give a review recorded without a VISA-H the questionnaire completed for it."""
    review = selectors.get_review_for(request, review_id)
    offered = selectors.questionnaires_for_review(review.plan)
    response = offered.filter(pk=_uuid_or_none(request.POST.get("visa_h"))).first()
    if response is None:
        messages.error(request, "Choose one of the questionnaires listed.")
        return redirect("rehab:review_detail", review_id=review.pk)
    try:
        services.link_visa_h(actor=Actor.from_request(request), review=review, response=response)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"VISA-H {response.total}/100 added to this review.")
        return submissions.done(request, redirect("rehab:review_detail", review_id=review.pk))
    return redirect("rehab:review_detail", review_id=review.pk)


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@require_POST
@submissions.once("Already done — the decision was recorded.")
def review_accept(request, review_id):
    review = selectors.get_review_for(request, review_id)
    try:
        change = services.accept_review(actor=Actor.from_request(request), review=review)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("rehab:review_detail", review_id=review.pk)
    if change is None:
        messages.success(
            request,
            f"Decision recorded: the plan stays at stage {review.stage_at_review}.",
        )
    else:
        messages.success(
            request,
            f"Decision recorded: the plan moved from stage {change.from_stage} to stage "
            f"{change.to_stage}. Check its exercises for the new stage.",
        )
    return submissions.done(request, redirect("rehab:plan_detail", plan_id=review.plan_id))


# --- handout ----------------------------------------------------------------------------


def _clinician_copy(request) -> bool:
    """The clinician copy adds what the patient copy leaves out (?copy=clinician)."""
    return request.GET.get("copy") == "clinician"


def handout_view(request, plan_id):
    plan = selectors.get_plan_for(request, plan_id)
    clinician_copy = _clinician_copy(request)
    audit.viewed(request, plan, detail="handout (clinician copy)" if clinician_copy else "handout")
    return render(
        request,
        handout.TEMPLATE,
        handout.handout_context(plan, pdf=False, clinician_copy=clinician_copy),
    )


def handout_pdf(request, plan_id):
    plan = selectors.get_plan_for(request, plan_id)
    clinician_copy = _clinician_copy(request)
    pdf = handout.render_pdf(plan, clinician_copy=clinician_copy)
    audit.exported(
        request, plan, detail="handout.pdf (clinician copy)" if clinician_copy else "handout.pdf"
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = handout.filename(plan, day=timezone.localdate(), clinician_copy=clinician_copy)
    # Inline: the browser opens it in its PDF viewer; saving keeps the file name.
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
