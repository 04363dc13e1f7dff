"""Record and assessment pages cost the same number of queries however long the history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from pht.audit import Actor
from tests.factories import audit_write_queries, make_assessment, make_review

# Beyond the audited view's own access-log write (audit_write_queries):
# session, user, membership, patient, records merged into it ("Also recorded as"),
# assessments, VISA-H, plans, reviews (the trends).
RECORD_PAGE_QUERIES = 9
# session, user, membership, assessment (+ joins), versions, re-evaluations, VISA-H.
ASSESSMENT_PAGE_QUERIES = 7


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("history", [1, 8])
def test_record_page_queries_do_not_grow_with_assessments(
    clinician_client, clinician, patient, history
):
    for _ in range(history):
        make_assessment(patient=patient, user=clinician, sign=True)
    assert count(clinician_client, reverse("assessments:patient_detail", args=[patient.pk])) == (
        RECORD_PAGE_QUERIES + audit_write_queries()
    )


@pytest.mark.parametrize("reviews", [1, 6])
def test_record_page_queries_do_not_grow_with_reviews(
    clinician_client, clinician, patient, rehab_plan, reviews
):
    for pain in range(reviews):
        make_review(plan=rehab_plan, user=clinician, marker_pain=pain % 4)
    assert count(clinician_client, reverse("assessments:patient_detail", args=[patient.pk])) == (
        RECORD_PAGE_QUERIES + audit_write_queries()
    )


@pytest.mark.parametrize("amendments", [0, 4])
def test_assessment_page_queries_do_not_grow_with_versions(
    clinician_client, clinician, clinic_a, signed_assessment, amendments
):
    actor = Actor(clinician, clinic_a)
    latest = signed_assessment
    for _ in range(amendments):
        latest = services.amend_assessment(actor=actor, assessment=latest)
        latest = services.sign_assessment(
            actor=actor, assessment=latest, lock_version=latest.lock_version
        )
    url = reverse("assessments:assessment_detail", args=[signed_assessment.pk])
    assert count(clinician_client, url) == ASSESSMENT_PAGE_QUERIES + audit_write_queries()
