"""FHIR R4 Bundles of assessments, built from the stored snapshot. Codes: docs/fhir.md.

Pure over model instances and plain values: nothing here queries the database beyond the
relations the caller already loaded (patient, clinic, clinician, signed_by), and the caller
passes the VISA-H response and rehab plans in. The output is a plain JSON-ready dict; the tests
parse it with ``fhir.resources.R4B``.

Resource ids are name-based UUIDs (uuid5) of the record they describe, so the same record gives
the same ``urn:uuid`` in every export and the resources of several assessments of one patient
share their Patient, Organization and Practitioner entries.

Two bundle shapes:

- :func:`assessment_document`: a ``document`` Bundle for one assessment, Composition first;
- :func:`patient_collection`: a ``collection`` Bundle of every document's resources for one
  patient (each assessment keeps its own Composition).
"""

from __future__ import annotations

import datetime
import html
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assessments import presenter
from assessments.reasoning import DIAGNOSIS_NAMES, headline, stage_shown
from pht.rules import visa_h as visa_h_rules
from pht.rules.findings import FINDINGS, IMAGING_FINDINGS, FindingSpec

BASE = "https://pht-clinic.example/fhir"
CS_FINDINGS = f"{BASE}/CodeSystem/pht-findings"
CS_DIAGNOSES = f"{BASE}/CodeSystem/pht-diagnoses"
CS_STAGES = f"{BASE}/CodeSystem/pht-stages"
CS_RED_FLAGS = f"{BASE}/CodeSystem/pht-red-flags"
CS_PAIN_LOCATIONS = f"{BASE}/CodeSystem/pht-pain-locations"
CS_VISA_H_ANSWERS = f"{BASE}/CodeSystem/visa-h-answers"
NS_CLINIC = f"{BASE}/NamingSystem/clinic"
NS_USER = f"{BASE}/NamingSystem/username"
NS_ASSESSMENT = f"{BASE}/NamingSystem/assessment"
NS_REHAB_PLAN = f"{BASE}/NamingSystem/rehab-plan"
VISA_H_QUESTIONNAIRE = f"{BASE}/Questionnaire/visa-h"
RULES_PROTOCOL = f"{BASE}/rules/"

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

LATERALITY = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"),
    "both": ("51440002", "Right and left"),
}
TEST_RESULT = {"positive": ("10828004", "Positive"), "negative": ("260385009", "Negative")}
PAIN_SEVERITY = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
CONSULT_NOTE = ("11488-4", "Consult note")
UNITS = {
    "age": ("a", "years"),
    "duration_weeks": ("wk", "weeks"),
    "sitting_tolerance_min": ("min", "minutes"),
    "temperature_c": ("Cel", "degrees Celsius"),
    "imaging.apophyseal_displacement_mm": ("mm", "millimetres"),
}
SECTION_CATEGORY = {"examination": "exam", "imaging": "imaging"}
SUGGESTED_LEVELS = ("likely", "possible")
SEX_TO_GENDER = {"female": "female", "male": "male", "other": "other"}

# A fixed namespace for the name-based resource ids.
_NAMESPACE = uuid.UUID("5b0d6f64-6c1e-4f4e-9d33-7f1f3a4b9c21")
_SPEC_BY_KEY: dict[str, FindingSpec] = {spec.key: spec for spec in FINDINGS}


def urn(*parts: object) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, "/".join(str(part) for part in parts)))


def _ref(full_url: str, display: str = "") -> dict[str, str]:
    reference = {"reference": full_url}
    if display:
        reference["display"] = display
    return reference


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str, text: str = "") -> dict[str, Any]:
    return {"coding": [_coding(system, code, display)], "text": text or display}


def _laterality(side: str) -> dict[str, Any] | None:
    if side not in LATERALITY:
        return None
    code, display = LATERALITY[side]
    return _concept(SNOMED, code, display, f"{side.capitalize()} side")


def _narrative(lines: Iterable[str]) -> dict[str, str]:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>',
    }


def _date(value: datetime.date | datetime.datetime) -> str:
    return value.isoformat()


def _person_name(user) -> list[dict[str, Any]]:
    name: dict[str, Any] = {"text": user.get_full_name() or user.get_username()}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return [name]


def _percent(probability: float) -> str:
    return f"{probability * 100:.0f}%"


@dataclass
class _Entries:
    """The resources of a bundle in order, keyed by fullUrl (a repeated resource is kept once)."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, full_url: str, resource: dict[str, Any]) -> str:
        resource = {"resourceType": resource.pop("resourceType"), "id": full_url[9:], **resource}
        self.resources.setdefault(full_url, resource)
        return full_url

    def as_entries(self) -> list[dict[str, Any]]:
        return [{"fullUrl": url, "resource": res} for url, res in self.resources.items()]


def patient_resource(patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [
            {
                "use": "usual",
                "system": f"{NS_CLINIC}/{patient.clinic_id}/patient-identifier",
                "value": patient.identifier,
                "assigner": _ref(urn("Organization", patient.clinic_id)),
            }
        ],
        "active": not patient.is_archived,
        "name": [
            {
                "use": "official",
                "text": patient.full_name,
                "family": patient.family_name,
                "given": [patient.given_name],
            }
        ],
        "gender": SEX_TO_GENDER.get(patient.sex, "unknown"),
        "birthDate": _date(patient.date_of_birth),
        "managingOrganization": _ref(urn("Organization", patient.clinic_id)),
    }
    return resource


def organization_resource(clinic) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "identifier": [{"system": NS_CLINIC, "value": str(clinic.pk)}],
        "active": True,
        "name": clinic.name,
    }


def practitioner_resource(user) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "identifier": [{"system": NS_USER, "value": user.get_username()}],
        "active": user.is_active,
        "name": _person_name(user),
    }


class _AssessmentDocument:
    """Builds the resources of one assessment into ``entries``; the Composition comes first."""

    def __init__(self, assessment, *, entries: _Entries, visa_h=None, rehab_plans=()):
        self.a = assessment
        self.entries = entries
        self.visa_h = visa_h
        self.rehab_plans = list(rehab_plans)
        self.evaluation = assessment.evaluation or {}
        self.findings = assessment.evaluated_findings or {}
        self.tests = {test.key: test for test in assessment.provocation_tests}
        self.test_rows = {
            row["key"]: row
            for row in presenter.test_rows(assessment.provocation_tests, self.evaluation)
        }
        self.signed = assessment.is_signed
        self.patient_ref = urn("Patient", assessment.patient_id)
        self.org_ref = urn("Organization", assessment.clinic_id)
        self.author_ref = urn("Practitioner", assessment.clinician_id)
        self.encounter_ref = urn("Encounter", assessment.pk)
        self.composition_ref = urn("Composition", assessment.pk, assessment.version)
        self.impression_ref = urn("ClinicalImpression", assessment.pk)
        self.finding_refs: dict[str, str] = {}
        self.sections: list[dict[str, Any]] = []

    # -- helpers ----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return "final" if self.signed else "preliminary"

    def _common(self) -> dict[str, Any]:
        return {"subject": _ref(self.patient_ref), "encounter": _ref(self.encounter_ref)}

    def _section(self, title: str, refs: list[str], lines: list[str]) -> None:
        if refs or lines:
            section: dict[str, Any] = {"title": title, "text": _narrative(lines or [title])}
            if refs:
                section["entry"] = [_ref(ref) for ref in refs]
            self.sections.append(section)

    # -- the parts --------------------------------------------------------------------------

    def build(self) -> str:
        a = self.a
        # Reserve the Composition's place at the front; it is filled in last.
        self.entries.resources[self.composition_ref] = {}
        self.entries.add(self.patient_ref, patient_resource(a.patient))
        self.entries.add(self.org_ref, organization_resource(a.clinic))
        self.entries.add(self.author_ref, practitioner_resource(a.clinician))
        if a.signed_by_id and a.signed_by_id != a.clinician_id:
            self.entries.add(
                urn("Practitioner", a.signed_by_id), practitioner_resource(a.signed_by)
            )
        self.entries.add(self.encounter_ref, self._encounter())
        self._findings()
        self._visa_h()
        flags = self._flags()
        conditions = self._conditions()
        risk = self._risk_assessment()
        self.entries.add(self.impression_ref, self._impression(conditions))
        reasoning_lines = self._reasoning_lines()
        self._section(
            "Reasoning (PHT Clinic suggestions)",
            [self.impression_ref, *flags, *([risk] if risk else [])],
            reasoning_lines,
        )
        self._section("Diagnoses", conditions, self._diagnosis_lines())
        self._care_plans()
        self.entries.resources[self.composition_ref] = self._composition()
        return self.composition_ref

    def _encounter(self) -> dict[str, Any]:
        a = self.a
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "identifier": [{"system": NS_ASSESSMENT, "value": str(a.pk)}],
            "status": "finished" if self.signed else "in-progress",
            "class": _coding(ACT_CODE, "AMB", "ambulatory"),
            "type": [{"text": "Physiotherapy assessment of buttock / posterior thigh pain"}],
            "subject": _ref(self.patient_ref),
            "participant": [{"individual": _ref(self.author_ref)}],
            "period": {"start": _date(a.assessed_on)},
            "serviceProvider": _ref(self.org_ref),
        }
        if self.signed:
            encounter["period"]["end"] = _date(a.assessed_on)
        return encounter

    def _observation(self, key: str, spec: FindingSpec, value: Any, code: str) -> dict[str, Any]:
        a = self.a
        coding = [_coding(CS_FINDINGS, code, spec.label)]
        if key == "pain_nprs_now":
            coding.append(_coding(LOINC, *PAIN_SEVERITY))
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": self.status,
            "code": {"coding": coding, "text": spec.label},
            **self._common(),
            "effectiveDateTime": _date(a.assessed_on),
            "performer": [_ref(self.author_ref)],
        }
        if spec.section in SECTION_CATEGORY:
            category = SECTION_CATEGORY[spec.section]
            obs["category"] = [_concept(OBSERVATION_CATEGORY, category, category.capitalize())]
        if spec.kind == "bool":
            obs["valueBoolean"] = value
        elif spec.kind == "int" and key not in UNITS:
            obs["valueInteger"] = value
        elif spec.kind in ("int", "number"):
            unit_code, unit = UNITS.get(key, ("1", ""))
            obs["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit_code}
        elif spec.kind == "test":
            self._test_detail(obs, key, value)
        elif spec.kind == "choice" and key == "side":
            obs["valueCodeableConcept"] = _laterality(value)
        elif spec.kind == "choice":
            obs["valueCodeableConcept"] = {"text": value}
        elif spec.kind == "multi":
            obs["valueString"] = presenter.finding_text("multi", value)
            obs["component"] = [
                {
                    "code": _concept(CS_PAIN_LOCATIONS, item, item.replace("_", " ")),
                    "valueBoolean": True,
                }
                for item in value
            ]
        else:
            obs["valueString"] = str(value)
        if spec.section in ("examination", "imaging") and key != "side":
            site = _laterality(a.side)
            if site and "bodySite" not in obs:
                obs["bodySite"] = site
        return obs

    def _test_detail(self, obs: dict[str, Any], key: str, value: str) -> None:
        """A provocation test: result, side tested, provoked pain 0-10 and the likelihood ratio
        the stored snapshot applied to its result."""
        code, display = TEST_RESULT[value]
        obs["valueCodeableConcept"] = _concept(SNOMED, code, display, value)
        test = self.tests[key]
        site = _laterality(test.side or self.a.side)
        if site:
            obs["bodySite"] = site
        pain = test.pain
        if pain is not None:
            obs["component"] = [
                {
                    "code": _concept(LOINC, *PAIN_SEVERITY, "Provoked pain (0-10)"),
                    "valueInteger": pain,
                }
            ]
        row = self.test_rows.get(key) or {}
        if row.get("lr") is not None:
            used = " (used for the probability)" if row["used"] else ""
            obs["note"] = [
                {
                    "text": f"Likelihood ratio applied to this {value} result: {row['lr']}{used} "
                    "(Cacchio et al. 2012, Br J Sports Med 46(12):883-887, Table 4)"
                }
            ]

    def _findings(self) -> None:
        history, exam, imaging_refs = [], [], []
        lines: dict[str, list[str]] = {"history": [], "examination": [], "imaging": []}
        for spec in FINDINGS:
            if spec.key == "imaging" or spec.key not in self.findings:
                continue
            if spec.key == "visa_h" and self.visa_h is not None:
                continue  # the questionnaire's total Observation stands for it
            value = self.findings[spec.key]
            ref = self.entries.add(
                urn("Observation", self.a.pk, spec.key),
                self._observation(spec.key, spec, value, spec.key),
            )
            self.finding_refs[spec.key] = ref
            section = "examination" if spec.section == "examination" else "history"
            (exam if section == "examination" else history).append(ref)
            lines[section].append(presenter.finding_line(spec.key, value))
        for spec in IMAGING_FINDINGS:
            imaging = self.findings.get("imaging") or {}
            if spec.key not in imaging:
                continue
            code = f"imaging.{spec.key}"
            ref = self.entries.add(
                urn("Observation", self.a.pk, code),
                self._observation(code, spec, imaging[spec.key], code),
            )
            self.finding_refs[code] = ref
            imaging_refs.append(ref)
            lines["imaging"].append(
                f"{spec.label}: {presenter.finding_text(spec.kind, imaging[spec.key])}"
            )
        self._section("History and red-flag screen", history, lines["history"])
        self._section("Examination", exam, lines["examination"])
        self._section("Imaging", imaging_refs, lines["imaging"])

    def _visa_h(self) -> None:
        response = self.visa_h
        if response is None:
            return
        qr_ref = urn("QuestionnaireResponse", response.pk)
        self.entries.add(
            qr_ref, _questionnaire_response(response, self.patient_ref, self.encounter_ref)
        )
        total_ref = self.entries.add(
            urn("Observation", response.pk, "total"),
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
                "code": {
                    "coding": [_coding(CS_FINDINGS, "visa_h", _SPEC_BY_KEY["visa_h"].label)],
                    "text": "VISA-H total (0-100)",
                },
                **self._common(),
                "effectiveDateTime": _date(response.completed_on),
                "valueInteger": response.total,
                "derivedFrom": [_ref(qr_ref)],
                "note": [{"text": caveat} for caveat in visa_h_rules.CAVEATS],
            },
        )
        self.finding_refs["visa_h"] = total_ref
        self._section(
            "VISA-H",
            [qr_ref, total_ref],
            [f"VISA-H total {response.total}/100, completed {response.completed_on:%d %b %Y}"],
        )

    def _flags(self) -> list[str]:
        refs = []
        action = self.a.get_red_flag_action_display() if self.a.red_flag_action else ""
        for flag in presenter.present(self.evaluation).get("red_flags") or []:
            text = (
                f"{flag['title']}. {flag['message']} Urgency: {flag['urgency_label']}. "
                f"Suggested: {flag['action']} ({flag['citation']})"
            )
            if action:
                text += f" Action taken: {action}."
                if self.a.red_flag_action_note:
                    text += f" Reason: {self.a.red_flag_action_note}"
            refs.append(
                self.entries.add(
                    urn("Flag", self.a.pk, flag["slug"]),
                    {
                        "resourceType": "Flag",
                        "status": "active",
                        "category": [_concept(FLAG_CATEGORY, "clinical", "Clinical")],
                        "code": {
                            "coding": [_coding(CS_RED_FLAGS, flag["slug"], flag["title"])],
                            "text": text,
                        },
                        "subject": _ref(self.patient_ref),
                        "period": {"start": _date(self.a.assessed_on)},
                        "encounter": _ref(self.encounter_ref),
                        "author": _ref(self.author_ref),
                    },
                )
            )
        return refs

    def _evidence(self, reasons: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        refs = []
        for reason in reasons:
            for key in reason.get("finding", "").split(" + "):
                ref = self.finding_refs.get(key.strip())
                if ref and ref not in refs:
                    refs.append(ref)
        return [{"detail": [_ref(ref) for ref in refs]}] if refs else []

    def _condition(
        self, slug: str, text: str, verification: str, ver_display: str
    ) -> dict[str, Any]:
        a = self.a
        code: dict[str, Any] = {"text": text}
        if slug in DIAGNOSIS_NAMES:
            code["coding"] = [_coding(CS_DIAGNOSES, slug, DIAGNOSIS_NAMES[slug])]
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "clinicalStatus": _concept(CONDITION_CLINICAL, "active", "Active"),
            "verificationStatus": _concept(CONDITION_VER_STATUS, verification, ver_display),
            "category": [
                _concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")
            ],
            "code": code,
            **self._common(),
            "recordedDate": _date(a.assessed_on),
            "recorder": _ref(self.author_ref),
        }
        site = _laterality(a.side)
        if site:
            condition["bodySite"] = [site]
        stage = stage_shown(self.evaluation)
        if slug == "proximal_hamstring_tendinopathy" and stage:
            condition["stage"] = [
                {
                    "summary": _concept(
                        CS_STAGES, stage["slug"], stage.get("name") or stage["slug"]
                    ),
                    "assessment": [_ref(self.impression_ref)],
                }
            ]
        return condition

    def _conditions(self) -> list[str]:
        a = self.a
        refs = []
        if a.working_diagnosis or a.working_diagnosis_text:
            text = presenter.working_diagnosis(a)
            condition = self._condition(a.working_diagnosis, text, "provisional", "Provisional")
            condition["note"] = [{"text": "The clinician's working diagnosis."}]
            refs.append(self.entries.add(urn("Condition", a.pk, "working"), condition))
        for rank, dx in enumerate(self.evaluation.get("differentials") or [], start=1):
            if dx["level"] not in SUGGESTED_LEVELS:
                continue
            condition = self._condition(dx["slug"], dx["name"], "differential", "Differential")
            condition["evidence"] = self._evidence(dx.get("reasons") or [])
            condition["note"] = [
                {
                    "text": f"Suggested differential #{rank}: {dx['level']} (score {dx['score']}); "
                    f"referral: {dx.get('referral', '')}. PHT Clinic rules "
                    f"{self.evaluation.get('rules_version', a.rules_version)}."
                }
            ]
            if not condition["evidence"]:
                del condition["evidence"]
            refs.append(
                self.entries.add(urn("Condition", a.pk, "differential", dx["slug"]), condition)
            )
        return refs

    def _risk_assessment(self) -> str | None:
        probability = self.evaluation.get("pht_probability") or {}
        if probability.get("post_test") is None:
            return None
        basis = [
            self.finding_refs[use["test"]]
            for use in probability.get("tests_used") or []
            if use["test"] in self.finding_refs
        ]
        pht = "proximal_hamstring_tendinopathy"
        risk: dict[str, Any] = {
            "resourceType": "RiskAssessment",
            "status": self.status,
            "method": {"text": probability.get("method", "")},
            **self._common(),
            "occurrenceDateTime": _date(self.a.assessed_on),
            "performer": _ref(self.author_ref),
            "prediction": [
                {
                    "outcome": _concept(CS_DIAGNOSES, pht, DIAGNOSIS_NAMES[pht]),
                    "probabilityDecimal": probability["post_test"],
                    "rationale": probability.get("note", ""),
                }
            ],
            "note": [
                {
                    "text": f"Pre-test probability {probability.get('pre_test')} "
                    f"({probability.get('pre_test_basis', '')}). "
                    f"Caveat: {probability.get('caveat', '')}"
                    + (f" Caution: {probability['caution']}" if probability.get("caution") else "")
                }
            ],
        }
        if basis:
            risk["basis"] = [_ref(ref) for ref in basis]
        return self.entries.add(urn("RiskAssessment", self.a.pk), risk)

    def _impression(self, conditions: list[str]) -> dict[str, Any]:
        a = self.a
        version = self.evaluation.get("rules_version", a.rules_version)
        trace: list[dict[str, Any]] = []
        for dx in self.evaluation.get("differentials") or []:
            for reason in dx.get("reasons") or []:
                item = self._trace_item(reason.get("finding", ""))
                trace.append(
                    {
                        **item,
                        "basis": f"{dx['name']} ({dx['level']}): {reason['direction']}: "
                        f"{reason['text']}. {_cited(reason)}",
                    }
                )
        stage = stage_shown(self.evaluation)
        for reason in (stage or {}).get("reasons") or []:
            trace.append(
                {
                    **self._trace_item(reason.get("finding", "")),
                    "basis": f"Stage toward {reason.get('toward', '')}: {reason['text']}. "
                    f"{_cited(reason)}",
                }
            )
        for flag in presenter.present(self.evaluation).get("red_flags") or []:
            for key in flag.get("findings") or []:
                trace.append(
                    {
                        **self._trace_item(key),
                        "basis": f"Red flag ({flag['urgency_label']}): {flag['message']} "
                        f"({flag['citation']})",
                    }
                )
        top = headline(self.evaluation)
        summary = [
            f"Top suggestion: {top['name']} ({top['level']})."
            if top
            else "No listed diagnosis is suggested on these findings."
        ]
        probability = (self.evaluation.get("pht_probability") or {}).get("post_test")
        if probability is not None:
            summary.append(f"Post-test probability of PHT {_percent(probability)}.")
        if stage:
            summary.append(f"Stage: {stage['name']}.")
        impression: dict[str, Any] = {
            "resourceType": "ClinicalImpression",
            "identifier": [{"system": NS_ASSESSMENT, "value": str(a.pk)}],
            "status": "completed" if self.signed else "in-progress",
            "description": f"PHT Clinic reasoning, rules version {version}: suggestions the "
            "clinician reviewed, not a diagnosis.",
            **self._common(),
            "effectiveDateTime": _date(a.assessed_on),
            "assessor": _ref(self.author_ref),
            "problem": [_ref(ref) for ref in conditions],
            "protocol": [RULES_PROTOCOL + version],
            "summary": " ".join(summary),
            "note": [{"text": f"Rules version: {version}"}],
        }
        if a.evaluated_at:
            impression["date"] = a.evaluated_at.isoformat()
        if trace:
            impression["finding"] = trace
        if not conditions:
            del impression["problem"]
        return impression

    def _trace_item(self, finding: str) -> dict[str, Any]:
        # A reason with no finding of its own (a red flag keeping a diagnosis possible).
        if finding == "red flag":
            return {"itemCodeableConcept": {"text": "Red flag"}}
        key = finding.split(" + ")[0].strip()
        if key in self.finding_refs:
            return {"itemReference": _ref(self.finding_refs[key])}
        return {"itemCodeableConcept": {"coding": [_coding(CS_FINDINGS, key)], "text": finding}}

    def _reasoning_lines(self) -> list[str]:
        lines = []
        view = presenter.present(self.evaluation, self.findings)
        for flag in view.get("red_flags") or []:
            lines.append(f"Red flag ({flag['urgency_label']}): {flag['title']}. {flag['message']}")
        if not (view.get("screen") or {}).get("complete", True):
            unasked = "; ".join(view.get("screen_unasked_labels") or [])
            line = f"Red-flag screen not completed (not asked: {unasked})."
            if self.a.red_flag_screen_reason:
                line += f" Reason recorded by the clinician: {self.a.red_flag_screen_reason}"
            lines.append(line)
        if view.get("top") is None:
            lines.append("No listed diagnosis is suggested on these findings.")
        for dx in self.evaluation.get("differentials") or []:
            if dx["level"] in SUGGESTED_LEVELS:
                lines.append(f"{dx['name']}: {dx['level']}")
        probability = self.evaluation.get("pht_probability") or {}
        if probability.get("post_test") is not None:
            lines.append(f"Post-test probability of PHT: {_percent(probability['post_test'])}")
        lines.append(f"Rules version {self.evaluation.get('rules_version', self.a.rules_version)}")
        return lines

    def _diagnosis_lines(self) -> list[str]:
        a = self.a
        lines = []
        if a.working_diagnosis or a.working_diagnosis_text:
            lines.append(f"Working diagnosis: {presenter.working_diagnosis(a)}")
        return lines

    def _care_plans(self) -> None:
        refs = []
        for plan in self.rehab_plans:
            refs.append(self.entries.add(urn("CarePlan", plan.pk), self._care_plan(plan)))
        lines = [f"Plan: {self.a.plan_notes}"] if self.a.plan_notes else []
        self._section("Plan", refs, lines)

    def _care_plan(self, plan) -> dict[str, Any]:
        stage = plan.stage
        activities = [
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {"text": item.exercise.name},
                    "status": "in-progress",
                    "description": item.dosage_summary,
                }
            }
            for item in plan.items.all()
        ]
        care_plan: dict[str, Any] = {
            "resourceType": "CarePlan",
            "identifier": [{"system": NS_REHAB_PLAN, "value": str(plan.pk)}],
            "status": "active",
            "intent": "plan",
            "category": [{"text": "Rehabilitation of proximal hamstring tendinopathy"}],
            "title": f"Rehab stage {stage.number}: {stage.name}",
            "description": stage.aim,
            "subject": _ref(self.patient_ref),
            "period": {"start": _date(plan.stage_since), "end": _date(plan.review_date)},
            "created": plan.created_at.isoformat(),
            "author": _ref(urn("Practitioner", plan.created_by_id)),
            "addresses": [_ref(urn("Condition", self.a.pk, "working"))]
            if (self.a.working_diagnosis or self.a.working_diagnosis_text)
            else [],
            "supportingInfo": [_ref(self.impression_ref)],
            "note": [
                {
                    "text": f"Rehab rules version {plan.rules_version}. Next review {plan.review_date:%d %b %Y}."
                }
            ],
        }
        self.entries.add(
            urn("Practitioner", plan.created_by_id), practitioner_resource(plan.created_by)
        )
        if activities:
            care_plan["activity"] = activities
        if not care_plan["addresses"]:
            del care_plan["addresses"]
        return care_plan

    def _composition(self) -> dict[str, Any]:
        a = self.a
        composition: dict[str, Any] = {
            "resourceType": "Composition",
            "id": self.composition_ref[9:],
            "identifier": {"system": NS_ASSESSMENT, "value": f"{a.pk}/v{a.version}"},
            "status": "final" if self.signed else "preliminary",
            "type": _concept(LOINC, *CONSULT_NOTE, "Proximal hamstring tendinopathy assessment"),
            **self._common(),
            "date": (a.signed_at or a.evaluated_at or a.updated_at).isoformat(),
            "author": [_ref(self.author_ref)],
            "title": f"Assessment of buttock / posterior thigh pain, {a.assessed_on:%d %b %Y}"
            + ("" if self.signed else " (DRAFT, not signed)"),
            "custodian": _ref(self.org_ref),
            "section": self.sections,
        }
        if self.signed and a.signed_at:
            signer = a.signed_by_id or a.clinician_id
            composition["attester"] = [
                {
                    "mode": "legal",
                    "time": a.signed_at.isoformat(),
                    "party": _ref(urn("Practitioner", signer)),
                }
            ]
        return composition


def _questionnaire_response(response, patient_ref: str, encounter_ref: str) -> dict[str, Any]:
    items = []
    answers = response.answers or {}
    for item in visa_h_rules.SCALE_ITEMS:
        if item.key in answers:
            items.append(
                {
                    "linkId": item.key,
                    "text": item.text,
                    "answer": [{"valueInteger": answers[item.key]}],
                }
            )
    q7 = visa_h_rules.Q7
    if q7.key in answers:
        option = q7.options[answers[q7.key]]
        items.append(
            {
                "linkId": q7.key,
                "text": q7.text,
                "answer": [
                    {
                        "valueCoding": _coding(
                            CS_VISA_H_ANSWERS,
                            f"q7-{answers[q7.key]}",
                            f"{option.label} ({option.points} points)",
                        )
                    }
                ],
            }
        )
    q8 = visa_h_rules.Q8
    for branch in q8.branches:
        if branch.key in answers:
            option = branch.options[answers[branch.key]]
            items.append(
                {
                    "linkId": q8.key,
                    "text": q8.text,
                    "item": [
                        {
                            "linkId": branch.key,
                            "text": branch.condition,
                            "answer": [
                                {
                                    "valueCoding": _coding(
                                        CS_VISA_H_ANSWERS,
                                        f"{branch.key}-{answers[branch.key]}",
                                        f"{option.label} ({option.points} points)",
                                    )
                                }
                            ],
                        }
                    ],
                }
            )
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": f"{BASE}/NamingSystem/visa-h-response", "value": str(response.pk)},
        "questionnaire": VISA_H_QUESTIONNAIRE,
        "status": "completed",
        "subject": _ref(patient_ref),
        "encounter": _ref(encounter_ref),
        "authored": _date(response.completed_on),
        "source": _ref(patient_ref),
        "item": items,
    }


def _bundle(
    kind: str, entries: _Entries, identifier: str, timestamp: datetime.datetime
) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": identifier[9:],
        "meta": {"lastUpdated": timestamp.isoformat()},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": identifier},
        "type": kind,
        "timestamp": timestamp.isoformat(),
        "entry": entries.as_entries(),
    }


def assessment_document(
    assessment, *, timestamp: datetime.datetime, visa_h=None, rehab_plans=()
) -> dict[str, Any]:
    """A FHIR R4 ``document`` Bundle of one assessment; the Composition is the first entry.

    The document identifier is stable for one stored state of the assessment (it changes when
    the draft is saved again or signed).
    """
    entries = _Entries()
    _AssessmentDocument(assessment, entries=entries, visa_h=visa_h, rehab_plans=rehab_plans).build()
    identifier = urn("document", assessment.pk, assessment.lock_version)
    return _bundle("document", entries, identifier, timestamp)


def patient_collection(
    patient, records: Iterable[tuple[Any, Any, Sequence[Any]]], *, timestamp: datetime.datetime
) -> dict[str, Any]:
    """A ``collection`` Bundle of the patient and every assessment's resources.

    ``records`` yields ``(assessment, latest VISA-H response or None, rehab plans)``.
    """
    entries = _Entries()
    entries.add(urn("Patient", patient.pk), patient_resource(patient))
    entries.add(urn("Organization", patient.clinic_id), organization_resource(patient.clinic))
    for assessment, visa_h, plans in records:
        _AssessmentDocument(assessment, entries=entries, visa_h=visa_h, rehab_plans=plans).build()
    identifier = urn("patient-collection", patient.pk, timestamp.isoformat())
    return _bundle("collection", entries, identifier, timestamp)


def _cited(reason: dict[str, Any]) -> str:
    """The readable citation of a stored reason, with its evidence status in plain words."""
    citation = reason.get("citation", "")
    words = presenter.evidence_words(reason.get("evidence", ""))
    return (
        f"{citation} ({words})."
        if words and words not in reason.get("text", "")
        else (f"{citation}." if citation else "")
    )
