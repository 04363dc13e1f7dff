"""The patient record's trends: assessments, VISA-H questionnaires and progress reviews."""

import datetime

from django.urls import reverse

from assessments import services
from assessments.selectors import Measurement, trends
from pht.audit import Actor
from tests.conftest import VISA_H_ANSWERS
from tests.factories import make_review

TODAY = datetime.date.today()
NOON = datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC)


def record(client, patient):
    return client.get(reverse("assessments:patient_detail", args=[patient.pk]))


def test_reviews_feed_the_records_trends_beside_the_assessments(
    clinician_client, clinician, patient, rehab_plan
):
    # The signed assessment (2 Nov 2026): pain now 3, worst 6, sitting 30 min.
    questionnaire = services.record_visa_h(
        actor=Actor(clinician, patient.clinic),
        patient=patient,
        answers=VISA_H_ANSWERS,
        completed_on=TODAY,
    )
    make_review(plan=rehab_plan, user=clinician, marker_pain=2, sitting_tolerance_min=45)
    linked = make_review(
        plan=rehab_plan,
        user=clinician,
        reviewed_on=TODAY,
        marker_pain=1,
        sitting_tolerance_min=50,
        visa_h=questionnaire,
    )
    assert linked.visa_h_total == questionnaire.total == 47
    older = make_review(
        plan=rehab_plan,
        user=clinician,
        reviewed_on=TODAY - datetime.timedelta(days=7),
        marker_pain=3,
        sitting_tolerance_min=35,
        visa_h_total=40,  # typed in, as reviews were before questionnaires were linked
    )

    response = record(clinician_client, patient)
    rows = {row["date"]: row for row in response.context["trend_rows"]}
    assessed = rehab_plan.assessment.assessed_on
    assert (rows[assessed]["pain_now"], rows[assessed]["sitting"]) == (3, 30)
    assert rows[assessed]["source"] == "Assessment"
    assert rows[older.reviewed_on]["marker_pain"] == 3
    assert rows[older.reviewed_on]["visa_h"] == 40
    # Today: two reviews and the questionnaire; each measure from the newest visit.
    assert rows[TODAY]["source"] == "VISA-H questionnaire, Progress review"
    assert (rows[TODAY]["marker_pain"], rows[TODAY]["sitting"], rows[TODAY]["visa_h"]) == (
        1,
        50,
        47,
    )
    content = response.content.decode()
    assert "Sitting tolerance (minutes), at assessments and reviews: Sitting tolerance 30 min" in (
        content
    )
    assert "35 min" in content and "50 min" in content
    assert "Marker-test pain at each review (0-10)" in content
    assert "VISA-H (0-100, higher is better): VISA-H 40" in content
    assert 'style="' not in content


def test_a_questionnaire_is_counted_once(clinician, patient, draft_assessment):
    response = services.record_visa_h(
        actor=Actor(clinician, patient.clinic),
        patient=patient,
        answers=VISA_H_ANSWERS,
        completed_on=TODAY,
        assessment=draft_assessment,
    )
    from assessments.selectors import patient_record

    data = patient_record(patient)
    rows = trends(data["measurements"])["trend_rows"]
    visa = [(row["date"], row["visa_h"]) for row in rows if row.get("visa_h") is not None]
    # In the draft's findings too, but one measurement: the questionnaire's date and total.
    assert visa == [(TODAY, response.total)]


def test_the_newest_visit_of_a_day_gives_each_measure():
    earlier = Measurement(NOON.date(), NOON, "Assessment", pain_now=4, sitting=20)
    later = Measurement(
        NOON.date(), NOON + datetime.timedelta(hours=1), "Progress review", sitting=25
    )
    (row,) = trends([later, earlier])["trend_rows"]
    assert (row["pain_now"], row["sitting"], row["source"]) == (
        4,
        25,
        "Assessment, Progress review",
    )


def test_each_chart_keeps_to_the_days_it_was_measured():
    days = [NOON + datetime.timedelta(days=n) for n in range(3)]
    result = trends(
        [
            Measurement(days[0].date(), days[0], "Assessment", pain_now=4, sitting=20),
            Measurement(days[1].date(), days[1], "Progress review", marker_pain=2, sitting=30),
            Measurement(days[2].date(), days[2], "VISA-H questionnaire", visa_h=55),
        ]
    )
    assert len(result["pain_chart"].dates) == 1
    assert len(result["sitting_chart"].dates) == 2
    assert len(result["visa_chart"].dates) == 1
