from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from assessments import selectors, services
from assessments.forms import PatientForm, PatientSearchForm
from pht import access, audit, submissions
from pht.audit import Actor
from pht.db_router import replica_reads


@replica_reads
def patient_list(request):
    membership = access.require_membership(request)
    form = PatientSearchForm(request.GET)
    form.is_valid()
    wanted = form.search()
    patients = selectors.patients_for(request)
    if not wanted["query_valid"]:
        patients = patients.none()  # a search that cannot be read lists nobody
    patients = selectors.search_patients(
        patients,
        wanted["query"] if wanted["query_valid"] else "",
        archived=wanted["archived"],
        sort=wanted["sort"],
        clinic_id=membership.clinic_id,
    )
    page = selectors.page_of(patients, request.GET.get("page"), per_page=settings.PATIENTS_PER_PAGE)
    return render(
        request,
        "assessments/patient_list.html",
        {
            "form": form,
            "page": page,
            **wanted,
            "columns": _sort_links(wanted),
            "membership": membership,
        },
    )


# Sortable columns and the order a first click gives: names A to Z, most recently seen first
# (last seen sorts that way only: see selectors.RecentlySeen).
SORTABLE = (("name", "name"), ("identifier", "identifier"), ("last_seen", "-last_seen"))


def _sort_links(wanted: dict) -> dict:
    """Each sortable column's link (the same search, the other direction when it is the
    current order) and its ``aria-sort`` value."""
    current = wanted["sort"]
    keep = {"q": wanted["query"], "status": wanted["status"]}
    keep = {k: v for k, v in keep.items() if v and (k, v) != ("status", "active")}
    links = {}
    for column, first in SORTABLE:
        if current.removeprefix("-") != column:
            target, aria_sort = first, ""
        elif current.startswith("-"):
            target, aria_sort = (first if first == current else column), "descending"
        else:
            target, aria_sort = f"-{column}", "ascending"
        links[column] = {"url": "?" + urlencode({**keep, "sort": target}), "aria_sort": aria_sort}
    return links


@submissions.once("Already saved — this is the patient you registered.")
def patient_create(request):
    membership = access.require_membership(request)
    if request.method == "POST":
        form = PatientForm(request.POST, clinic=membership.clinic)
    else:
        form = PatientForm(clinic=membership.clinic, initial=_proposal(membership.clinic))
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.create_patient(
                actor=Actor.from_request(request),
                data=form.patient_data(),
                number_identifier=form.numbers_identifier,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Patient {patient.full_name} registered as {patient.identifier}."
            )
            return submissions.done(
                request, redirect("assessments:patient_detail", patient_id=patient.pk)
            )
    return render(request, "assessments/patient_form.html", {"form": form, "patient": None})


def _proposal(clinic) -> dict:
    """The new-patient form's proposal: the clinic's next free numbered identifier."""
    identifier, _number = selectors.free_identifier(clinic)
    return {"identifier": identifier, "proposed_identifier": identifier}


@submissions.once("Already saved — these are the details as you saved them.")
def patient_edit(request, patient_id):
    patient = selectors.get_patient_for(request, patient_id)
    audit.viewed(request, patient, detail="edit")
    if patient.is_archived:
        messages.error(
            request,
            "This patient is archived. A clinic admin must restore the record before it can be edited.",
        )
        return redirect("assessments:patient_detail", patient_id=patient.pk)
    form = PatientForm(
        request.POST if request.method == "POST" else None, instance=patient, clinic=patient.clinic
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_patient(
                actor=Actor.from_request(request), patient=patient, data=form.patient_data()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Patient details saved." if changed else "No changes to save."
            )
            return submissions.done(
                request, redirect("assessments:patient_detail", patient_id=patient.pk)
            )
    if request.method == "POST":
        # A failed ModelForm validation has already copied the input onto the instance.
        patient.refresh_from_db()
    return render(request, "assessments/patient_form.html", {"form": form, "patient": patient})


def patient_detail(request, patient_id):
    membership = access.require_membership(request)
    patient = selectors.get_patient_for(request, patient_id)
    audit.viewed(request, patient)
    merged_records = list(patient.merged_records.select_related("merged_by").order_by("merged_at"))
    trail = (
        selectors.audit_trail(patient, merged_records=merged_records)
        if membership.is_admin
        else None
    )
    return render(
        request,
        "assessments/patient_detail.html",
        {
            "patient": patient,
            "membership": membership,
            "audit_trail": trail,
            "merged_records": merged_records,
            **selectors.patient_record(patient),
        },
    )


@require_POST
@submissions.once("Already done — this patient was archived.")
def patient_archive(request, patient_id):
    patient = selectors.get_patient_for(request, patient_id)
    access.require_clinic_admin(request)
    if services.archive_patient(actor=Actor.from_request(request), patient=patient):
        messages.success(
            request,
            f"{patient.full_name} archived. The record is kept, read-only, and can be restored.",
        )
        return submissions.done(
            request, redirect("assessments:patient_detail", patient_id=patient.pk)
        )
    messages.info(request, "This patient was already archived.")
    return redirect("assessments:patient_detail", patient_id=patient.pk)


@require_POST
@submissions.once("Already done — this patient was restored.")
def patient_restore(request, patient_id):
    patient = selectors.get_patient_for(request, patient_id)
    access.require_clinic_admin(request)
    if services.restore_patient(actor=Actor.from_request(request), patient=patient):
        messages.success(request, f"{patient.full_name} restored to the patient list.")
        return submissions.done(
            request, redirect("assessments:patient_detail", patient_id=patient.pk)
        )
    messages.info(request, "This patient was not archived.")
    return redirect("assessments:patient_detail", patient_id=patient.pk)
