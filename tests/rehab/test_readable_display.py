"""Rehab pages show readable citations and plain evidence words, never keys or status tags,
also for plans and reviews stored before the readable wording (display only: the stored
strings are kept as they were)."""

import re

import pytest
from django.urls import reverse

from rehab.models import ProgressReview, RehabPlan
from tests.factories import make_plan, make_review

pytestmark = pytest.mark.django_db

TAGS = (
    re.compile(r"\[(C|C2|M|Dev)\b"),
    re.compile(r"KNOWLEDGE"),
    re.compile(r"\bS\d+b?\b"),
    re.compile(r"\bS-[a-z]"),
    re.compile(r"week\(s\)|\ba (uncertain|unstaged)\b"),
)

OLD_REASONS = [
    "High irritability: start with isometrics for pain relief, hip near neutral (stage 1 "
    "entry criterion, KNOWLEDGE 4.5) [Dev on C2: S16].",
    "A reactive tendon is calmed with less load and isometrics, not heavy or compressive "
    "load (KNOWLEDGE 3.1-3.2) [C2: S9; isometrics M].",
    "Moderate irritability with a uncertain tendon: start with isometrics [Dev].",
    "High irritability. Thresholds are project choices [Dev].",
]
# Load advice as stored before the readable citation was kept beside the keys.
OLD_ADVICE = [
    {
        "slug": "sitting-cushion",
        "text": "Sit on a cushion.",
        "stages": [0, 1, 2, 3, 4],
        "for_runners": False,
        "source": {"keys": ["S-grsm", "S-reeves"], "status": "C2", "note": "[M]"},
    }
]


def tags_in(content: str) -> list[str]:
    return [m.group(0) for pattern in TAGS for m in pattern.finditer(content)]


def test_an_older_plan_is_shown_in_plain_words(clinician_client, rehab_plan):
    RehabPlan.objects.filter(pk=rehab_plan.pk).update(
        proposal_reasons=OLD_REASONS, load_advice=OLD_ADVICE
    )
    content = clinician_client.get(
        reverse("rehab:plan_detail", args=[rehab_plan.pk])
    ).content.decode()
    assert tags_in(content) == []
    assert "Advantage Sport Medicine: PHT guidance, from a secondary summary" in content
    assert "with an uncertain tendon" in content
    assert "GRSM physiotherapy: PHT guidance; Reeves physiotherapy: PHT guidance" in content
    # The stored strings themselves are unchanged.
    rehab_plan.refresh_from_db()
    assert rehab_plan.proposal_reasons == OLD_REASONS


def test_an_older_review_is_shown_in_plain_words(clinician_client, clinician, rehab_plan):
    review = make_review(plan=rehab_plan, user=clinician)
    ProgressReview.objects.filter(pk=review.pk).update(
        reasons=[
            "Marker pain 1/10 is within 0-3/10 [C2: S15].",
            "Only 0 week(s) at this stage; allow at least 1 week (about 1-2 weeks) "
            "[Dev: KNOWLEDGE 4.4].",
        ],
        suggestion_notes=["Consider adjuncts (KNOWLEDGE 4.6)."],
    )
    content = clinician_client.get(
        reverse("rehab:review_detail", args=[review.pk])
    ).content.decode()
    assert tags_in(content) == []
    assert "Pogo Physio: PHT exercise protocol, from a secondary summary" in content
    assert "Only 0 weeks at this stage" in content


@pytest.mark.parametrize("stage", [1, 2, 4])
def test_todays_plan_pages_carry_no_keys_or_tags(
    clinician_client, clinician, signed_assessment, stage
):
    plan = make_plan(assessment=signed_assessment, user=clinician, stage=stage)
    for name in ("rehab:plan_detail", "rehab:handout"):
        content = clinician_client.get(reverse(name, args=[plan.pk])).content.decode()
        assert tags_in(content) == [], name


def test_the_plan_form_carries_no_keys_or_tags(clinician_client, signed_assessment):
    url = reverse("rehab:plan_new", args=[signed_assessment.pk])
    content = clinician_client.get(url).content.decode()
    assert tags_in(content) == []
