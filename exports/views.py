"""Export views: the summary (print view and PDF), FHIR R4 Bundles and CSV files.

Each view is a read: it looks the record up through ``assessments.selectors`` (404 for another clinic),
writes one ``export`` row to the access log (who, what, which format) and returns the file.
Nothing else changes. The builders are ``exports.summary``, ``exports.fhir`` and ``exports.csv``.
"""

import json

from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from assessments.selectors import assessments_for, get_assessment_for, get_patient_for
from exports import csv as csv_export
from exports import fhir, summary
from exports.filters import ExportFilterForm
from pht import access, audit
from pht.audit import Actor
from pht.db_router import replica_reads
from rehab.models import RehabPlan

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FHIR_CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_response(assessments, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_export.stream_assessments(assessments), content_type=CSV_CONTENT_TYPE
    )
    return _attachment(response, filename)


@replica_reads
def export_index(request):
    """The clinic admin's export page: the CSV filters, submitted by GET to the CSV URL."""
    membership = access.require_clinic_admin(request)
    form = ExportFilterForm(clinic=membership.clinic)
    return render(request, "exports/index.html", {"form": form, "membership": membership})


def clinic_csv(request):
    """Every assessment of the clinic (filtered), streamed. Clinic admins only.

    Read from the primary, not a replica (no ``@replica_reads``): the rows stream after this
    returns, so a replica lost mid-download could not be retried (docs/replicas.md)."""
    membership = access.require_clinic_admin(request)
    form = ExportFilterForm(request.GET, clinic=membership.clinic)
    if not form.is_valid():
        return render(
            request,
            "exports/index.html",
            {"form": form, "membership": membership},
            status=400,
        )
    assessments = form.apply(assessments_for(request))
    audit.log(
        Actor.from_request(request),
        "export",
        object_type="assessments",
        detail=f"clinic CSV; {form.describe()}",
    )
    today = timezone.localdate()
    filename = f"pht-assessments-{slugify(membership.clinic.name)}-{today:%Y-%m-%d}.csv"
    return _csv_response(assessments, filename)


def patient_csv(request, patient_id):
    """One patient's assessments as CSV, with the clinic CSV's columns."""
    patient = get_patient_for(request, patient_id)
    audit.exported(request, patient, detail="patient CSV")
    assessments = assessments_for(request).filter(patient=patient)
    return _csv_response(assessments, f"pht-patient-{slugify(patient.identifier)}.csv")


def _json_response(data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type=FHIR_CONTENT_TYPE
    )
    return _attachment(response, filename)


def _latest_visa_h(assessment):
    return assessment.visa_h_responses.order_by("-completed_on", "-created_at").first()


def _plans():
    """Rehab plans with what the FHIR CarePlan reads (author, exercises), oldest first."""
    return (
        RehabPlan.objects.select_related("created_by")
        .prefetch_related("items__exercise")
        .order_by("created_at")
    )


@replica_reads
def assessment_fhir(request, assessment_id):
    """One assessment as a FHIR R4 document Bundle (Composition first)."""
    assessment = get_assessment_for(request, assessment_id)
    bundle = fhir.assessment_document(
        assessment,
        timestamp=timezone.now(),
        visa_h=_latest_visa_h(assessment),
        rehab_plans=_plans().filter(assessment=assessment, clinic_id=assessment.clinic_id),
    )
    audit.exported(request, assessment, detail="FHIR R4 document")
    return _json_response(bundle, f"pht-assessment-{assessment.pk}.fhir.json")


@replica_reads
def patient_fhir(request, patient_id):
    """Every assessment of one patient as a FHIR R4 collection Bundle."""
    patient = get_patient_for(request, patient_id)
    assessments = (
        assessments_for(request)
        .filter(patient=patient)
        .select_related("clinic", "patient__clinic")
        .prefetch_related(
            "visa_h_responses",
            Prefetch("rehab_plans", queryset=_plans().filter(clinic_id=patient.clinic_id)),
        )
        .order_by("assessed_on", "created_at")
    )
    records = []
    for assessment in assessments:
        responses = sorted(
            assessment.visa_h_responses.all(),
            key=lambda r: (r.completed_on, r.created_at),
            reverse=True,
        )
        plans = assessment.rehab_plans.all()
        records.append((assessment, responses[0] if responses else None, plans))
    bundle = fhir.patient_collection(patient, records, timestamp=timezone.now())
    audit.exported(request, patient, detail=f"FHIR R4 collection of {len(records)} assessment(s)")
    return _json_response(bundle, f"pht-patient-{slugify(patient.identifier)}.fhir.json")


def _log_summary(request, assessment, fmt: str) -> None:
    audit.exported(
        request, assessment, detail=f"summary {fmt}" + ("" if assessment.is_signed else " (draft)")
    )


@replica_reads
def assessment_summary(request, assessment_id):
    """The summary letter as a page (the browser prints it as the same A4 letter)."""
    assessment = get_assessment_for(request, assessment_id)
    context = summary.summary_context(assessment, visa_h=_latest_visa_h(assessment))
    _log_summary(request, assessment, "print view")
    return render(request, "exports/summary.html", context)


@replica_reads
def assessment_summary_pdf(request, assessment_id):
    """The summary letter as an A4 PDF."""
    assessment = get_assessment_for(request, assessment_id)
    context = summary.summary_context(assessment, visa_h=_latest_visa_h(assessment))
    pdf = summary.render_pdf(context)
    _log_summary(request, assessment, "PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    draft = "" if assessment.is_signed else "-DRAFT"
    filename = (
        f"pht-summary-{slugify(assessment.patient.identifier)}-"
        f"{assessment.assessed_on:%Y-%m-%d}-v{assessment.version}{draft}.pdf"
    )
    # Inline: the browser opens it in its PDF viewer; saving keeps the file name.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
