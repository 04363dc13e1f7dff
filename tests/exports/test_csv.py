"""The clinic CSV and the per-patient CSV: columns as documented, safe cells, filters, scope."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from exports import csv as csv_export
from pht.models import AccessLog
from tests.factories import PHT_FINDINGS, make_assessment

DOCS = Path(__file__).resolve().parents[2] / "docs" / "exports.md"


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def documented_columns():
    """The column names of the table in docs/exports.md, in order."""
    text = DOCS.read_text()
    table = text.split("<!-- columns:start -->")[1].split("<!-- columns:end -->")[0]
    return re.findall(r"^\| `([a-z0-9_]+)` \|", table, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_get_a_leading_quote(value, expected):
    assert csv_export.neutralise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (["ischial_tuberosity", "deep_buttock"], "ischial_tuberosity;deep_buttock"),
        (0.5, "0.5"),
        (0.90243902, "0.9024"),
        (7, "7"),
        (datetime.date(2026, 11, 2), "2026-11-02"),
    ],
)
def test_cell_values(value, expected):
    assert csv_export.cell(value) == expected


def test_the_header_is_the_documented_column_list():
    assert list(csv_export.COLUMNS) == documented_columns()


def test_clinic_csv_has_one_row_per_assessment_from_the_snapshot(
    admin_client_a, patient, clinician
):
    signed = make_assessment(
        patient=patient,
        user=clinician,
        sign=True,
        findings={**PHT_FINDINGS, "bent_knee_stretch": "negative", "night_pain": False},
    )
    response = admin_client_a.get(reverse("exports:clinic_csv"))
    assert response.status_code == 200
    rows = read_csv(response)
    assert list(rows[0]) == list(csv_export.COLUMNS)
    assert len(rows) == 1
    row = rows[0]
    assert row["assessment_id"] == str(signed.pk)
    assert row["patient_identifier"] == "NS-0001"
    assert row["clinician"] == "ada"
    assert row["status"] == "signed"
    assert row["modified_bent_knee_stretch"] == "positive"
    assert row["bent_knee_stretch"] == "negative"
    assert row["pain_with_sitting"] == "yes"
    assert row["night_pain"] == "no"  # examined and negative
    assert row["fever"] == "no"  # asked: the screen was done
    assert row["morning_stiffness"] == ""  # not asked
    assert row["pain_location"] == "ischial_tuberosity"
    assert row["side"] == "left"
    assert row["top_differential"] == signed.top_diagnosis
    assert row["rules_version"] == signed.rules_version
    assert row["signed_by"] == "ada"
    assert row["signed_at"]


def test_red_flags_and_imaging_columns(admin_client_a, patient, clinician):
    make_assessment(
        patient=patient,
        user=clinician,
        findings={
            **PHT_FINDINGS,
            "fever": True,
            "imaging": {"mri": "Thickened common origin", "tendon_thickening": True},
        },
    )
    row = read_csv(admin_client_a.get(reverse("exports:clinic_csv")))[0]
    assert row["red_flags"] == "suspected_infection"
    assert row["red_flag_urgency"] == "urgent"  # fever with pain of 10 weeks
    assert row["imaging_tendon_thickening"] == "yes"
    assert row["imaging_partial_tear"] == ""
    assert row["imaging_mri"] == "Thickened common origin"


def test_formula_in_a_free_text_field_is_neutralised_end_to_end(admin_client_a, patient, clinician):
    make_assessment(patient=patient, user=clinician, working_diagnosis_text='=HYPERLINK("x")')
    row = read_csv(admin_client_a.get(reverse("exports:clinic_csv")))[0]
    assert row["working_diagnosis_text"] == '\'=HYPERLINK("x")'


def test_visa_h_questionnaire_total_is_the_latest_linked_response(
    admin_client_a, patient, clinician
):
    from assessments import services
    from pht.audit import Actor

    draft = make_assessment(patient=patient, user=clinician)
    answers = {"q1": 5, "q2": 5, "q3": 5, "q4": 5, "q5": 5, "q6": 5, "q7": 1, "q8b": 2}
    services.record_visa_h(
        actor=Actor(clinician, patient.clinic),
        patient=patient,
        answers=answers,
        completed_on=datetime.date(2026, 11, 2),
        assessment=draft,
    )
    row = read_csv(admin_client_a.get(reverse("exports:clinic_csv")))[0]
    assert row["visa_h_questionnaire_total"] == "44"
    assert row["visa_h"] == "44"


def test_clinicians_are_refused_the_clinic_csv(clinician_client, draft_assessment):
    assert clinician_client.get(reverse("exports:clinic_csv")).status_code == 403
    assert clinician_client.get(reverse("exports:index")).status_code == 403
    assert not AccessLog.objects.filter(action="export").exists()


def test_another_clinics_csv_never_holds_this_clinics_rows(
    clinic_b, other_patient, other_clinician, draft_assessment
):
    from django.test import Client

    from pht.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    theirs = make_assessment(patient=other_patient, user=other_clinician)
    other_admin = UserFactory(username="eve")
    MembershipFactory(user=other_admin, clinic=clinic_b, role=Membership.Role.CLINIC_ADMIN)
    client = Client()
    client.force_login(other_admin)
    rows = read_csv(client.get(reverse("exports:clinic_csv")))
    assert [row["assessment_id"] for row in rows] == [str(theirs.pk)]
    assert "NS-0001" not in {row["patient_identifier"] for row in rows}


class TestFilters:
    @pytest.fixture
    def three(self, patient, clinician, colleague):
        early = make_assessment(
            patient=patient, user=clinician, assessed_on=datetime.date(2026, 9, 1)
        )
        middle = make_assessment(
            patient=patient, user=colleague, assessed_on=datetime.date(2026, 10, 1), sign=True
        )
        late = make_assessment(
            patient=patient, user=clinician, assessed_on=datetime.date(2026, 11, 1)
        )
        return early, middle, late

    def ids(self, client, **params):
        response = client.get(reverse("exports:clinic_csv"), params)
        assert response.status_code == 200
        return [row["assessment_id"] for row in read_csv(response)]

    def test_no_filters_gives_every_row_oldest_first(self, admin_client_a, three):
        assert self.ids(admin_client_a) == [str(a.pk) for a in three]

    def test_date_range(self, admin_client_a, three):
        ids = self.ids(admin_client_a, date_from="2026-09-15", date_to="2026-11-01")
        assert ids == [str(three[1].pk), str(three[2].pk)]

    def test_clinician(self, admin_client_a, three):
        assert self.ids(admin_client_a, clinician="ben") == [str(three[1].pk)]

    def test_signed_only(self, admin_client_a, three):
        assert self.ids(admin_client_a, signed_only="on") == [str(three[1].pk)]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"date_from": "yesterday"}, "Enter a valid date."),
            ({"date_from": "2026-11-02", "date_to": "2026-01-01"}, "on or before"),
            ({"clinician": "dev"}, "Select a valid choice."),
        ],
    )
    def test_bad_filters_re_render_the_form_with_a_message(
        self, admin_client_a, three, other_clinician, params, message
    ):
        response = admin_client_a.get(reverse("exports:clinic_csv"), params)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not AccessLog.objects.filter(action="export").exists()


def test_export_page_links_to_the_csv(admin_client_a):
    response = admin_client_a.get(reverse("exports:index"))
    assert response.status_code == 200
    assert reverse("exports:clinic_csv") in response.content.decode()


def test_patient_csv_holds_only_that_patient(clinician_client, patient, clinician, clinic_a):
    from tests.factories import PatientFactory

    mine = make_assessment(patient=patient, user=clinician)
    someone_else = PatientFactory(clinic=clinic_a, identifier="NS-0002")
    make_assessment(patient=someone_else, user=clinician)
    response = clinician_client.get(reverse("exports:patient_csv", args=[patient.pk]))
    assert response.status_code == 200
    rows = read_csv(response)
    assert [row["assessment_id"] for row in rows] == [str(mine.pk)]
    assert list(rows[0]) == list(csv_export.COLUMNS)
