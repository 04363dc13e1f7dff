"""VISA-H: the one place a questionnaire is entered, linked to the visit it belongs to."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.forms import VisaHForm
from pht import audit, submissions
from pht.audit import Actor
from pht.rules import visa_h

ASSESSMENTS_OFFERED = 10


def _initial_visit(request) -> str:
    """The visit chosen by the page that sent the user here (``?visit=`` or, from a draft,
    ``?assessment=``); the form checks it like any posted value."""
    if request.GET.get("assessment"):
        return f"assessment:{request.GET['assessment']}"
    return request.GET.get("visit", "")


def _handed_on(kind: str, other_id, response) -> str:
    """Where a questionnaire for a progress review goes next: the rehab app links it."""
    if kind == "plan":
        url = reverse("rehab:review_new", kwargs={"plan_id": other_id})
    else:
        url = reverse("rehab:review_detail", kwargs={"review_id": other_id})
    return f"{url}?visa_h={response.pk}"


@submissions.once("Already saved — the questionnaire was recorded once.")
def visa_h_create(request, patient_id):
    patient = selectors.get_patient_for(request, patient_id)
    audit.viewed(request, patient, detail="new VISA-H")
    if patient.is_archived:
        messages.error(
            request, "This patient is archived. Restore the record before adding a questionnaire."
        )
        return redirect("assessments:patient_detail", patient_id=patient.pk)
    assessments = list(
        patient.assessments.only(
            "id", "patient_id", "assessed_on", "created_at", "status", "version", "signed_at"
        ).order_by("-assessed_on", "-created_at")[:ASSESSMENTS_OFFERED]
    )
    form = VisaHForm(
        request.POST if request.method == "POST" else None,
        initial={"completed_on": timezone.localdate(), "visit": _initial_visit(request)},
        patient=patient,
        assessments=assessments,
    )
    if request.method == "POST" and form.is_valid():
        kind, target = form.cleaned_data["visit"]
        try:
            response = services.record_visa_h(
                actor=Actor.from_request(request),
                patient=patient,
                answers=form.answers(),
                completed_on=form.cleaned_data["completed_on"],
                assessment=target if kind == "assessment" else None,
            )
        except visa_h.VisaHError as error:
            for message in error.errors:
                form.add_error(None, message)
        except services.PatientArchived as error:
            form.add_error(None, str(error))
        except services.AssessmentLocked as error:
            form.add_error("visit", str(error))
        else:
            return submissions.done(request, _after_saving(request, response, kind, target))
    return render(
        request,
        "assessments/visa_h_form.html",
        {"form": form, "patient": patient, "questionnaire": visa_h},
    )


def _after_saving(request, response, kind, target):
    if kind in ("plan", "review"):
        messages.success(
            request, f"VISA-H recorded: {response.total}/100. Now add it to the progress review."
        )
        return redirect(_handed_on(kind, target, response))
    # The assessment as the service found it, locked: signed or not at the moment of saving.
    target = response.assessment
    if target is not None and not target.is_signed:
        messages.success(
            request, f"VISA-H recorded: {response.total}/100, added to the draft's findings."
        )
        return redirect("assessments:assessment_edit", assessment_id=target.pk)
    if target is not None:
        messages.success(
            request,
            f"VISA-H recorded: {response.total}/100, added to the signed assessment of "
            f"{target.assessed_on.day} {target.assessed_on:%b %Y} as an addendum.",
        )
        return redirect("assessments:assessment_detail", assessment_id=target.pk)
    messages.success(request, f"VISA-H recorded: {response.total}/100.")
    return redirect("assessments:patient_detail", patient_id=response.patient_id)


def visa_h_detail(request, response_id):
    response = selectors.get_visa_h_for(request, response_id)
    audit.viewed(request, response)
    score = visa_h.score_visa_h(response.answers)
    return render(
        request,
        "assessments/visa_h_detail.html",
        {
            "response": response,
            "patient": response.patient,
            "score": score,
            "questionnaire": visa_h,
        },
    )
