"""Re-assess: a new assessment starts from the last signed one, its history to confirm."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.urls import reverse

from assessments.models import Assessment
from assessments.selectors import carry_forward
from tests.factories import PHT_FINDINGS, make_assessment

TODAY = datetime.date.today()


def new_url(patient, source=None):
    url = reverse("assessments:assessment_create", args=[patient.pk])
    return f"{url}?from={source}" if source is not None else url


@pytest.fixture
def last_signed(patient, clinician):
    findings = {
        **PHT_FINDINGS,
        "sport": "distance running",
        "imaging": {"mri": "Thickened proximal tendon, no tear.", "tendon_thickening": True},
    }
    return make_assessment(patient=patient, user=clinician, findings=findings, sign=True)


def test_the_record_offers_to_re_assess_from_the_last_signed(
    clinician_client, patient, last_signed
):
    content = clinician_client.get(
        reverse("assessments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert f'href="{new_url(patient, last_signed.pk)}">Re-assess (start from the last signed)' in (
        content
    )


def test_the_history_is_carried_forward_and_the_examination_starts_blank(
    clinician_client, patient, last_signed
):
    response = clinician_client.get(new_url(patient, last_signed.pk))
    assert response.status_code == 200
    carried = response.context["carried_forward"]
    initial = response.context["form"].initial
    assert initial["assessed_on"] == TODAY
    # History, side and imaging: carried, each to confirm.
    assert (initial["onset"], initial["sport"], initial["side"]) == (
        "gradual",
        "distance running",
        "left",
    )
    assert initial["recent_training_load_change"] == "yes"
    assert initial["pain_location"] == ["ischial_tuberosity"]
    assert initial["imaging_mri"] == "Thickened proximal tendon, no tear."
    assert {"onset", "sport", "side", "pain_location", "imaging_mri"} <= set(carried.keys)
    assert carried.sections == ("history", "imaging")
    # "Weeks since onset" moves on by the time since the signed assessment.
    weeks = round((TODAY - last_signed.assessed_on).days / 7, 1)
    assert carried.weeks_added == weeks
    assert initial["duration_weeks"] == round(10 + weeks, 1)
    # Measured afresh, asked again, examined again: blank.
    for key in (
        "pain_nprs_now",
        "pain_nprs_worst",
        "sitting_tolerance_min",
        "puranen_orava",
        "puranen_orava_pain",
        "tenderness_ischial_tuberosity",
        "fever",
        "saddle_anaesthesia",
        "working_diagnosis",
    ):
        assert key not in initial, key
    # Nothing is saved until the clinician saves.
    assert Assessment.objects.count() == 1


def test_the_banner_and_the_section_notes(clinician_client, patient, last_signed):
    carried = clinician_client.get(new_url(patient, last_signed.pk)).context["carried_forward"]
    day = f"{last_signed.assessed_on.day} {last_signed.assessed_on:%b %Y}"
    banner = render_to_string("assessments/_carried_forward.html", {"carried_forward": carried})
    assert "started from the" in banner and f"signed assessment of {day}" in banner
    assert "red-flag screen, the examination and the tests start blank" in banner
    history = render_to_string(
        "assessments/_carried_forward.html", {"carried_forward": carried, "section": "history"}
    )
    assert f"Carried forward from {day} — confirm with the patient" in history
    assert "weeks since onset" in history
    for section in ("red_flags", "tests", "examination"):
        note = render_to_string(
            "assessments/_carried_forward.html",
            {"carried_forward": carried, "section": section},
        )
        assert note.strip() == ""
    assert render_to_string("assessments/_carried_forward.html", {}).strip() == ""


@pytest.mark.parametrize("source", ["draft", "other_patient", "other_clinic", "junk", "empty"])
def test_anything_but_this_patients_signed_assessment_starts_blank(
    clinician_client, patient, clinician, other_clinician, other_patient, source
):
    from tests.factories import PatientFactory

    ids = {
        "draft": lambda: make_assessment(patient=patient, user=clinician).pk,
        "other_patient": lambda: (
            make_assessment(
                patient=PatientFactory(clinic=patient.clinic), user=clinician, sign=True
            ).pk
        ),
        "other_clinic": lambda: (
            make_assessment(patient=other_patient, user=other_clinician, sign=True).pk
        ),
        "junk": lambda: "not-a-uuid'><script>",
        "empty": lambda: "00000000-0000-0000-0000-000000000000",
    }
    response = clinician_client.get(new_url(patient, ids[source]()))
    assert response.status_code == 200
    assert response.context["carried_forward"] is None
    assert response.context["form"].initial == {"assessed_on": TODAY}
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Nothing was carried forward: the form starts blank."]


def test_carry_forward_never_moves_onset_backwards(patient, clinician):
    source = make_assessment(patient=patient, user=clinician, sign=True)
    carried = carry_forward(source, assessed_on=source.assessed_on - datetime.timedelta(days=7))
    assert carried.initial["duration_weeks"] == 10
