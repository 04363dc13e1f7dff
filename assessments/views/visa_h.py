"""VISA-H: enter a questionnaire for a patient (optionally into a draft) and view it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from assessments import selectors, services
from assessments.forms import VisaHForm
from assessments.models import Assessment
from pht import audit, submissions
from pht.audit import Actor
from pht.rules import visa_h


@submissions.once("Already saved — the questionnaire was recorded once.")
def visa_h_create(request, patient_id):
    patient = selectors.get_patient_for(request, patient_id)
    audit.viewed(request, patient, detail="new VISA-H")
    if patient.is_archived:
        messages.error(
            request, "This patient is archived. Restore the record before adding a questionnaire."
        )
        return redirect("assessments:patient_detail", patient_id=patient.pk)
    drafts = list(
        patient.assessments.filter(status=Assessment.Status.DRAFT).order_by("-assessed_on")[:10]
    )
    initial = {"completed_on": timezone.localdate()}
    if request.GET.get("assessment") in {str(a.pk) for a in drafts}:
        initial["assessment"] = request.GET["assessment"]
    form = VisaHForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        patient=patient,
        drafts=drafts,
    )
    if request.method == "POST" and form.is_valid():
        try:
            response = services.record_visa_h(
                actor=Actor.from_request(request),
                patient=patient,
                answers=form.answers(),
                completed_on=form.cleaned_data["completed_on"],
                assessment=form.cleaned_data["assessment"],
            )
        except visa_h.VisaHError as error:
            for message in error.errors:
                form.add_error(None, message)
        except services.PatientArchived as error:
            form.add_error(None, str(error))
        except services.AssessmentLocked as error:
            form.add_error("assessment", str(error))
        else:
            messages.success(request, f"VISA-H recorded: {response.total}/100.")
            if response.assessment_id:
                return submissions.done(
                    request,
                    redirect("assessments:assessment_edit", assessment_id=response.assessment_id),
                )
            return submissions.done(
                request, redirect("assessments:patient_detail", patient_id=patient.pk)
            )
    return render(
        request,
        "assessments/visa_h_form.html",
        {"form": form, "patient": patient, "questionnaire": visa_h},
    )


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
