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


def test_bilateral_leg_pain_puts_the_unasked_cauda_equina_questions_first(
    clinician_client, patient
):
    content = panel(
        clinician_client, patient, bilateral_leg_symptoms="yes", back_pain="yes"
    ).content.decode()
    assert "Leg symptoms in both legs: suspected cauda equina" in content
    assert "Not yet asked: saddle numbness" in content
    ask = content.index("Ask or check first")
    assert ask < content.index("Differential diagnosis")
    assert content.index("Saddle numbness", ask) < content.index("Most useful next tests")


def test_a_suspected_femoral_neck_fracture_withholds_the_hop_and_says_why(
    clinician_client, patient
):
    content = panel(
        clinician_client,
        patient,
        groin_pain_on_loading="yes",
        recent_training_load_change="yes",
        pain_location="groin",
    ).content.decode()
    assert "Do not test" in content
    assert "complete the fracture" in content
    tests = content[content.index("Most useful next tests") :]
    assert "Single-leg hop" not in tests


def test_nothing_possible_says_no_listed_diagnosis(clinician_client, patient):
    content = panel(
        clinician_client, patient, modified_bent_knee_stretch="negative", back_pain="no"
    ).content.decode()
    assert "No listed diagnosis is suggested on these findings" in content


def test_no_internal_keys_or_tags_reach_the_panel(clinician_client, patient):
    import re

    content = panel(
        clinician_client,
        patient,
        onset="sudden",
        bruising="yes",
        tenderness_ischial_tuberosity="yes",
        fever="yes",
        modified_bent_knee_stretch="positive",
    ).content.decode()
    assert not re.search(r"\[(C|C2|M|Dev)[:\]]|\bS\d+b?\b|KNOWLEDGE|source S", content)


def _count_evaluations(monkeypatch) -> list:
    from assessments import reasoning

    calls = []
    real = reasoning.rules.evaluate

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(reasoning.rules, "evaluate", counting)
    return calls


def test_the_panel_validates_and_evaluates_once_per_request(clinician_client, patient, monkeypatch):
    calls = _count_evaluations(monkeypatch)
    panel(clinician_client, patient, modified_bent_knee_stretch="positive")
    assert len(calls) == 1


def test_saving_a_draft_validates_and_evaluates_once(
    clinician_client, patient, draft_assessment, monkeypatch
):
    calls = _count_evaluations(monkeypatch)
    response = clinician_client.post(
        reverse("assessments:assessment_edit", args=[draft_assessment.pk]),
        {
            "assessed_on": "2026-11-20",
            "lock_version": draft_assessment.lock_version,
            "modified_bent_knee_stretch": "positive",
            "modified_bent_knee_stretch_pain": "6",
            "modified_bent_knee_stretch_side": "left",
        },
    )
    assert response.status_code == 302
    assert len(calls) == 1
    draft_assessment.refresh_from_db()
    test = draft_assessment.provocation_tests[2]
    assert (test.key, test.result, test.pain, test.side) == (
        "modified_bent_knee_stretch",
        "positive",
        6,
        "left",
    )
