"""Patient import from a CSV file (clinic admins): upload and check, preview, confirm,
progress, result and per-row report. The work is done by assessments.services and the task
queue (docs/adr/0006-task-queue.md)."""

import csv

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments import patient_import as importing
from assessments import selectors, services
from assessments.forms import PatientImportCommitForm, PatientImportForm
from assessments.models import PatientImport, PatientImportRow
from pht import access, audit, submissions
from pht.audit import Actor

PROBLEMS_PER_PAGE = 50


def _admin_import(request, import_id) -> PatientImport:
    """Another clinic's import answers 404 before the role is checked (403)."""
    job = selectors.get_patient_import_for(request, import_id)
    access.require_clinic_admin(request)
    return job


def patient_import(request):
    """Upload and check a file. Not a once-only form: a file sent twice is checked twice,
    and nothing is imported before its check is confirmed (that form is once-only)."""
    membership = access.require_clinic_admin(request)
    posted = request.method == "POST"
    form = PatientImportForm(request.POST, request.FILES) if posted else PatientImportForm()
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.preview_patient_import(
            actor=Actor.from_request(request),
            file_name=upload.name or "patients.csv",
            data=form.data_bytes,
            parsed=form.parsed,
        )
        return redirect("assessments:patient_import_detail", import_id=job.pk)
    recent = selectors.patient_imports_for(request).order_by("-uploaded_at")[:10]
    return render(
        request,
        "assessments/patient_import.html",
        {
            "form": form,
            "recent": recent,
            "membership": membership,
            "max_mb": settings.PATIENT_IMPORT_MAX_MB,
            "max_rows": settings.PATIENT_IMPORT_MAX_ROWS,
            "columns": [importing.COLUMN_TITLES[c] for c in importing.COLUMNS],
        },
    )


def patient_import_template(request):
    access.require_clinic_admin(request)
    response = HttpResponse(
        "\ufeff" + importing.template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="patients-template.csv"'
    return response


def patient_import_detail(request, import_id):
    job = _admin_import(request, import_id)
    audit.viewed(request, job)
    problems = job.rows.filter(
        kind__in=[PatientImportRow.Kind.PROBLEM, PatientImportRow.Kind.DUPLICATE]
    ).order_by("number")
    page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/patient_import_detail.html",
        {"job": job, "page": page, "commit_form": PatientImportCommitForm()},
    )


@require_POST
@submissions.once("Already confirmed — the import is under way.")
def patient_import_commit(request, import_id):
    job = _admin_import(request, import_id)
    form = PatientImportCommitForm(request.POST)
    form.is_valid()
    include = bool(form.cleaned_data.get("include_duplicates"))
    if services.commit_patient_import(
        actor=Actor.from_request(request), job=job, include_duplicates=include
    ):
        messages.success(request, "Import started. You can leave this page: it goes on.")
        return submissions.done(
            request, redirect("assessments:patient_import_detail", import_id=job.pk)
        )
    messages.info(request, "This import was already confirmed or cancelled.")
    return redirect("assessments:patient_import_detail", import_id=job.pk)


@require_POST
@submissions.once("Already done — the import was cancelled.")
def patient_import_cancel(request, import_id):
    job = _admin_import(request, import_id)
    if services.cancel_patient_import(actor=Actor.from_request(request), job=job):
        messages.success(request, "Import cancelled. Patients already created are kept.")
        return submissions.done(
            request, redirect("assessments:patient_import_detail", import_id=job.pk)
        )
    messages.info(request, "This import had already finished.")
    return redirect("assessments:patient_import_detail", import_id=job.pk)


def patient_import_progress(request, import_id):
    """Counts only (no patient data), polled by static/js/patient-import.js."""
    job = _admin_import(request, import_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "percent": job.percent,
            "processed": job.processed,
            "total": job.rows_total,
            "created": job.created,
            "skipped": job.skipped,
            "failed": job.failed,
            "finished": job.is_finished,
        }
    )


REPORT_OUTCOMES = {
    PatientImportRow.Outcome.CREATED: "created",
    PatientImportRow.Outcome.SKIPPED: "skipped",
    PatientImportRow.Outcome.FAILED: "failed",
    PatientImportRow.Outcome.PENDING: "not imported",
}


def _report_message(row: PatientImportRow) -> str:
    parts = [row.message] if row.message else []
    if row.kind != PatientImportRow.Kind.NEW and row.outcome != PatientImportRow.Outcome.CREATED:
        parts.extend(row.messages)
    return " ".join(parts)


def patient_import_report(request, import_id):
    """One line per row: row number, outcome, message, identifier given and created. No
    clinical data; the identifiers are patient data, so the download is logged as an export."""
    job = _admin_import(request, import_id)
    audit.exported(request, job, detail="import report")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-report-{job.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(["Row", "Outcome", "Message", "Identifier given", "Identifier created"])
    rows = job.rows.order_by("number").values_list(
        "number", "outcome", "kind", "message", "messages", "values", "identifier_created"
    )
    for number, outcome, kind, message, row_messages, values, created in rows.iterator(2000):
        row = PatientImportRow(kind=kind, outcome=outcome, message=message, messages=row_messages)
        writer.writerow(
            [
                number,
                REPORT_OUTCOMES.get(outcome, outcome),
                _csv_safe(_report_message(row)),
                _csv_safe(values.get("identifier", "")),
                created,
            ]
        )
    return response


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
