"""The live reasoning panel endpoint: an HTML fragment, errors shown, never raised."""

from django.urls import reverse

from assessments.models import Assessment


def panel(client, patient, **data):
    return client.post(
        reverse("assessments:assessment_panel", args=[patient.pk]),
        {"assessed_on": "2026-11-20", **data},
        HTTP_HX_REQUEST="true",
    )


def test_it_returns_the_panel_fragment_only(clinician_client, patient):
    response = panel(clinician_client, patient, modified_bent_knee_stretch="positive")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="panel"')
    assert "<html" not in content


def test_it_shows_the_probability_with_its_arithmetic(clinician_client, patient):
    content = panel(
        clinician_client, patient, modified_bent_knee_stretch="positive"
    ).content.decode()
    assert "× LR 10.2" in content
    assert "Modified bent-knee stretch positive" in content


def test_red_flags_come_first(clinician_client, patient):
    content = panel(clinician_client, patient, saddle_anaesthesia="yes").content.decode()
    assert "EMERGENCY" in content
    assert content.index("EMERGENCY") < content.index("Differential diagnosis")


def test_invalid_input_is_listed_not_raised(clinician_client, patient):
    response = panel(clinician_client, patient, pain_nprs_worst="11")
    assert response.status_code == 200
    assert "Fix these to update the suggestions" in response.content.decode()
    assert "Worst pain (0-10)" in response.content.decode()


def test_the_panel_saves_nothing(clinician_client, patient):
    panel(clinician_client, patient, modified_bent_knee_stretch="positive")
    assert not Assessment.objects.exists()


def test_not_asked_is_not_negative(clinician_client, patient):
    evaluated = panel(clinician_client, patient).context["evaluation"]
    assert evaluated["pht_probability"]["post_test"] is None
    assert "night_pain" not in evaluated["findings"]
