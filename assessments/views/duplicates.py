"""Two records of one person: the clinic's possible duplicates, "not the same person", and
merging (clinic admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments import selectors, services
from assessments.forms import MergeForm, PairForm
from pht import access, audit, submissions
from pht.audit import Actor
from pht.db_router import replica_reads

DUPLICATES_PER_PAGE = 10
# Candidates offered by the merge page's search box.
SEARCH_LIMIT = 10


@replica_reads
def patient_duplicates(request):
    membership = access.require_clinic_admin(request)
    page = selectors.duplicate_page(
        membership.clinic_id, request.GET.get("page"), per_page=DUPLICATES_PER_PAGE
    )
    decisions = selectors.not_duplicate_decisions(membership.clinic_id)
    # Read first, log last: a replica lost before this line is retried on the primary.
    audit.viewed_list(request, "possible duplicates", detail=f"page {page.number}")
    return render(
        request,
        "assessments/patient_duplicates.html",
        {"page": page, "decisions": decisions},
    )


def _pair_form(request, patient_id) -> PairForm:
    patient = selectors.get_patient_for(request, patient_id)
    access.require_clinic_admin(request)
    return PairForm(request.POST, patient=patient, patients=selectors.patients_for(request))


def _refused(request, form: PairForm):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("assessments:patient_duplicates")


@require_POST
@submissions.once("Already done — the two records were marked as two people.")
def patient_not_duplicate(request, patient_id):
    form = _pair_form(request, patient_id)
    if not form.is_valid():
        return _refused(request, form)
    other = form.cleaned_data["other"]
    try:
        services.mark_not_duplicate(
            actor=Actor.from_request(request), patient=form.patient, other=other
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _refused(request, form)
    messages.success(
        request,
        f"{form.patient.identifier} and {other.identifier} are marked as two people: the pair "
        "is no longer listed. You can undo this below.",
    )
    return submissions.done(request, redirect("assessments:patient_duplicates"))


@require_POST
@submissions.once("Already done — the decision was undone.")
def patient_not_duplicate_undo(request, patient_id):
    form = _pair_form(request, patient_id)
    if not form.is_valid():
        return _refused(request, form)
    other = form.cleaned_data["other"]
    services.undo_not_duplicate(
        actor=Actor.from_request(request), patient=form.patient, other=other
    )
    messages.success(
        request,
        f"Undone: {form.patient.identifier} and {other.identifier} may be listed as possible "
        "duplicates again.",
    )
    return submissions.done(request, redirect("assessments:patient_duplicates"))


@submissions.once("Already done — the records were merged. This is the record kept.")
def patient_merge(request, patient_id):
    patients = selectors.with_record_counts(selectors.patients_for(request))
    patient = selectors.get_patient_for(request, patient_id)
    access.require_clinic_admin(request)
    patient = patients.get(pk=patient.pk)
    data = request.POST if request.method == "POST" else request.GET
    form = MergeForm(data if "with" in data else None, patient=patient, patients=patients)
    audit.viewed(request, patient, detail="merge preview")
    if not form.is_bound or not form.is_valid():
        return _choose(request, patient, form)
    kept, merged = form.records()
    if request.method == "POST":
        try:
            result = services.merge_patients(
                actor=Actor.from_request(request), kept=kept, merged=merged
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Merged: {merged.identifier} is now part of this record "
                f"({services.moved_summary(result.moved)} moved).",
            )
            return submissions.done(
                request, redirect("assessments:patient_detail", patient_id=kept.pk)
            )
    elif request.method in ("GET", "HEAD"):
        other = merged if kept.pk == patient.pk else kept
        audit.log(
            Actor.from_request(request),
            "view",
            object_type=other.audit_type,
            object_id=other.pk,
            patient_id=other.pk,
            detail="merge preview",
        )
    return render(request, "assessments/patient_merge.html", _preview(patient, form, kept, merged))


def _choose(request, patient, form):
    """The page before a record is chosen: likely duplicates and a search box."""
    query = request.GET.get("q", "")[:100]
    found = []
    if query.strip():
        found = list(
            selectors.search_patients(
                selectors.patients_for(request).exclude(pk=patient.pk), query, archived=False
            )[:SEARCH_LIMIT]
        )
    likely = selectors.likely_duplicates(
        patient.clinic_id,
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
        exclude=patient.pk,
    )
    return render(
        request,
        "assessments/patient_merge.html",
        {
            "patient": patient,
            "form": form,
            "query": query,
            "found": found,
            "likely": [p for p in likely if not p.is_merged],
        },
    )


COMPARED = (
    ("Family name", "family_name"),
    ("Given name(s)", "given_name"),
    ("Date of birth", "date_of_birth"),
    ("Identifier", "identifier"),
    ("Sex", "get_sex_display"),
    ("Email", "email"),
    ("Phone", "phone"),
    ("Registered", "created_at"),
)


def _value(patient, name):
    value = getattr(patient, name)
    return value() if callable(value) else value


def _preview(patient, form, kept, merged) -> dict:
    """Both records side by side (kept first), their differences and what the merge does."""
    rows = []
    for label, name in COMPARED:
        a, b = _value(kept, name), _value(merged, name)
        differs = name != "created_at" and a != b
        rows.append({"label": label, "kept": a, "merged": b, "differs": differs})
    filled = [
        label
        for label, name in (("email", "email"), ("phone", "phone"))
        if not getattr(kept, name) and getattr(merged, name)
    ]
    refusal = next(
        (
            (services.MERGE_MERGED if p.is_merged else services.MERGE_ARCHIVED)
            .format(record=services.record_name(p))
            .replace(" Nothing was merged.", "")
            for p in (kept, merged)
            if p.is_archived
        ),
        "",
    )
    return {
        "patient": patient,
        "form": form,
        "kept": kept,
        "merged": merged,
        "other": merged if kept.pk == patient.pk else kept,
        "rows": rows,
        "counts": {"kept": selectors.merge_counts(kept), "merged": selectors.merge_counts(merged)},
        "filled": filled,
        "notes_line": services.merge_notes(kept, merged, timezone.localdate()) != kept.notes,
        "today": timezone.localdate(),
        "refusal": refusal,
    }
