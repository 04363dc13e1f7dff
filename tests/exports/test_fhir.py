"""FHIR R4 exports: the Bundles validate with fhir.resources (R4B models) and say what was stored."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from exports import fhir
from pht.models import AccessLog
from tests.factories import PHT_FINDINGS, change_todays_ratios, make_assessment

NOW = datetime.datetime(2026, 11, 3, 9, 30, tzinfo=datetime.UTC)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def validate(bundle: dict) -> Bundle:
    """Parse with the R4B models (raises on any structural error) and check references resolve."""
    parsed = Bundle.model_validate(bundle)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert all(url.startswith("urn:uuid:") for url in full_urls)
    assert len(full_urls) == len(bundle["entry"])
    text = json.dumps(bundle)
    for reference in _references(bundle):
        if reference.startswith("urn:uuid:"):
            assert reference in full_urls, f"dangling reference {reference}"
    assert "urn:uuid:" in text
    return parsed


def _references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


@pytest.fixture
def rich_assessment(patient, clinician):
    return make_assessment(
        patient=patient,
        user=clinician,
        sign=True,
        findings={
            **PHT_FINDINGS,
            "fever": True,
            "bent_knee_stretch": "negative",
            "imaging": {"mri": "Thickened origin", "tendon_thickening": True},
        },
        working_diagnosis_text="Left proximal hamstring tendinopathy",
        plan_notes="Isometrics, reduce sitting load, review in 2 weeks.",
    )


def test_the_document_bundle_validates_with_the_composition_first(rich_assessment):
    bundle = fhir.assessment_document(rich_assessment, timestamp=NOW)
    parsed = validate(bundle)
    assert parsed.type == "document"
    assert parsed.identifier.value.startswith("urn:uuid:")
    assert bundle["timestamp"] == NOW.isoformat()
    first = bundle["entry"][0]["resource"]
    assert first["resourceType"] == "Composition"
    assert first["status"] == "final"
    assert first["attester"][0]["mode"] == "legal"
    section_refs = {ref["reference"] for s in first["section"] for ref in s.get("entry", [])}
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {
        "Patient",
        "Practitioner",
        "Organization",
        "Encounter",
        "Observation",
        "Condition",
        "ClinicalImpression",
        "RiskAssessment",
        "Flag",
    } <= kinds
    # Every clinical resource is reachable from a section.
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] in ("Observation", "Condition", "Flag"):
            assert entry["fullUrl"] in section_refs


def test_differentials_are_conditions_with_verification_status_differential(rich_assessment):
    bundle = fhir.assessment_document(rich_assessment, timestamp=NOW)
    conditions = resources(bundle, "Condition")
    differential = [
        c for c in conditions if c["verificationStatus"]["coding"][0]["code"] == "differential"
    ]
    suggested = [d for d in rich_assessment.evaluation["differentials"] if d["level"] != "unlikely"]
    assert [c["code"]["coding"][0]["code"] for c in differential] == [d["slug"] for d in suggested]
    assert differential[0]["code"]["coding"][0]["system"] == fhir.CS_DIAGNOSES
    working = [
        c for c in conditions if c["verificationStatus"]["coding"][0]["code"] == "provisional"
    ]
    # The working diagnosis as every page words it: the name, with the clinician's details.
    assert working[0]["code"]["text"] == (
        "Proximal hamstring tendinopathy (Left proximal hamstring tendinopathy)"
    )
    assert working[0]["bodySite"][0]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "7771000",
        "display": "Left",
    }


def test_the_clinical_impression_carries_the_rule_trace_and_rules_version(rich_assessment):
    bundle = fhir.assessment_document(rich_assessment, timestamp=NOW)
    (impression,) = resources(bundle, "ClinicalImpression")
    version = rich_assessment.rules_version
    assert impression["protocol"] == [fhir.RULES_PROTOCOL + version]
    assert version in impression["description"]
    reasons = [r for d in rich_assessment.evaluation["differentials"] for r in d["reasons"]]
    bases = [f["basis"] for f in impression["finding"]]
    for reason in reasons:
        assert any(reason["text"] in basis for basis in bases)


def test_tests_carry_result_side_pain_and_likelihood_ratios(rich_assessment):
    bundle = fhir.assessment_document(rich_assessment, timestamp=NOW)
    by_code = {o["code"]["coding"][0]["code"]: o for o in resources(bundle, "Observation")}
    mbk = by_code["modified_bent_knee_stretch"]
    assert mbk["code"]["coding"][0]["system"] == fhir.CS_FINDINGS
    assert mbk["valueCodeableConcept"]["coding"][0]["code"] == "10828004"
    assert mbk["bodySite"]["coding"][0]["code"] == "7771000"
    assert mbk["component"][0]["code"]["coding"][0]["code"] == "72514-3"
    assert mbk["component"][0]["valueInteger"] == 6
    applied = next(
        use
        for use in rich_assessment.evaluation["pht_probability"]["per_test"]
        if use["test"] == "modified_bent_knee_stretch"
    )
    assert (
        f"Likelihood ratio applied to this positive result: {applied['lr']}"
        in (mbk["note"][0]["text"])
    )
    assert by_code["bent_knee_stretch"]["valueCodeableConcept"]["coding"][0]["code"] == "260385009"
    assert by_code["pain_with_sitting"]["valueBoolean"] is True
    assert by_code["imaging.tendon_thickening"]["valueBoolean"] is True
    assert by_code["imaging.mri"]["valueString"] == "Thickened origin"
    assert by_code["pain_nprs_now"]["code"]["coding"][1]["code"] == "72514-3"
    assert "fever" in by_code  # red-flag screen findings are observations too
    assert "night_pain" not in by_code  # not examined: no observation


def test_risk_assessment_and_flags(rich_assessment):
    bundle = fhir.assessment_document(rich_assessment, timestamp=NOW)
    (risk,) = resources(bundle, "RiskAssessment")
    probability = rich_assessment.evaluation["pht_probability"]
    assert risk["prediction"][0]["probabilityDecimal"] == probability["post_test"]
    assert risk["method"]["text"] == probability["method"]
    (flag,) = resources(bundle, "Flag")
    assert flag["code"]["coding"][0]["code"] == "suspected_infection"
    assert flag["code"]["coding"][0]["display"] == "Possible infection"
    assert "Action taken: Referral made" in flag["code"]["text"]


def test_a_draft_is_a_preliminary_composition(draft_assessment):
    bundle = fhir.assessment_document(draft_assessment, timestamp=NOW)
    validate(bundle)
    composition = bundle["entry"][0]["resource"]
    assert composition["status"] == "preliminary"
    assert "attester" not in composition
    assert "DRAFT" in composition["title"]


def test_visa_h_questionnaire_response_and_total(patient, clinician):
    from assessments import services
    from pht.audit import Actor

    draft = make_assessment(patient=patient, user=clinician)
    response = services.record_visa_h(
        actor=Actor(clinician, patient.clinic),
        patient=patient,
        answers={"q1": 5, "q2": 6, "q3": 4, "q4": 5, "q5": 7, "q6": 3, "q7": 2, "q8b": 3},
        completed_on=datetime.date(2026, 11, 2),
        assessment=draft,
    )
    draft.refresh_from_db()
    bundle = fhir.assessment_document(draft, timestamp=NOW, visa_h=response)
    validate(bundle)
    (qr,) = resources(bundle, "QuestionnaireResponse")
    assert qr["questionnaire"] == fhir.VISA_H_QUESTIONNAIRE
    assert [item["linkId"] for item in qr["item"]] == [
        "q1",
        "q2",
        "q3",
        "q4",
        "q5",
        "q6",
        "q7",
        "q8",
    ]
    totals = [
        o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "visa_h"
    ]
    assert len(totals) == 1
    assert totals[0]["valueInteger"] == response.total
    assert totals[0]["derivedFrom"][0]["reference"].startswith("urn:uuid:")


def test_assessment_fhir_url_serves_the_document_and_logs_the_export(
    clinician_client, signed_assessment
):
    response = clinician_client.get(reverse("exports:assessment_fhir", args=[signed_assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = json.loads(response.content)
    validate(bundle)
    assert bundle["type"] == "document"
    entry = AccessLog.objects.get(action="export")
    assert entry.object_id == signed_assessment.pk
    assert entry.patient_id == signed_assessment.patient_id
    assert "FHIR" in entry.detail


def test_patient_fhir_collects_every_assessment_once(clinician_client, patient, clinician):
    first = make_assessment(patient=patient, user=clinician, sign=True)
    second = make_assessment(
        patient=patient, user=clinician, assessed_on=datetime.date(2026, 11, 20)
    )
    response = clinician_client.get(reverse("exports:patient_fhir", args=[patient.pk]))
    assert response.status_code == 200
    bundle = json.loads(response.content)
    validate(bundle)
    assert bundle["type"] == "collection"
    assert len(resources(bundle, "Patient")) == 1
    assert len(resources(bundle, "Practitioner")) == 1
    compositions = resources(bundle, "Composition")
    assert [c["identifier"]["value"].split("/")[0] for c in compositions] == [
        str(first.pk),
        str(second.pk),
    ]
    assert AccessLog.objects.filter(action="export", patient_id=patient.pk).count() == 1


def test_the_same_stored_state_gives_the_same_resource_ids(signed_assessment):
    one = fhir.assessment_document(signed_assessment, timestamp=NOW)
    two = fhir.assessment_document(signed_assessment, timestamp=timezone.now())
    assert [e["fullUrl"] for e in one["entry"]] == [e["fullUrl"] for e in two["entry"]]
    assert one["identifier"] == two["identifier"]


def test_a_rehab_plan_is_a_care_plan(clinician_client, rehab_plan):
    assessment = rehab_plan.assessment
    response = clinician_client.get(reverse("exports:assessment_fhir", args=[assessment.pk]))
    bundle = json.loads(response.content)
    validate(bundle)
    (care_plan,) = resources(bundle, "CarePlan")
    assert care_plan["intent"] == "plan"
    assert care_plan["identifier"][0]["value"] == str(rehab_plan.pk)
    assert str(rehab_plan.current_stage) in care_plan["title"]
    items = list(rehab_plan.items.all())
    assert [a["detail"]["code"]["text"] for a in care_plan.get("activity", [])] == [
        item.exercise.name for item in items
    ]
    plan_section = next(
        s for s in bundle["entry"][0]["resource"]["section"] if s["title"] == "Plan"
    )
    assert {"reference": f"urn:uuid:{care_plan['id']}"} in plan_section["entry"]
    collection = json.loads(
        clinician_client.get(reverse("exports:patient_fhir", args=[assessment.patient_id])).content
    )
    validate(collection)
    assert len(resources(collection, "CarePlan")) == 1


def test_no_rehab_plan_no_care_plan(signed_assessment):
    bundle = fhir.assessment_document(signed_assessment, timestamp=NOW)
    assert resources(bundle, "CarePlan") == []


def test_the_bundle_reads_ratios_from_the_snapshot_not_todays_tables(rich_assessment, monkeypatch):
    change_todays_ratios(monkeypatch, lr_positive=lambda t: 99.0, lr_negative=lambda t: 0.01)
    text = json.dumps(fhir.assessment_document(rich_assessment, timestamp=NOW))
    assert "99.0" not in text and "0.01" not in text
    assert "Likelihood ratio applied to this positive result: 10.2" in text
