"""Rehab cards on the assessments app's pages, asked for by name from its templates.

Template tags, so that ``assessments`` (below ``rehab``) never imports rehab code: the record
page and the dashboard load this library by name and rehab answers with its own selectors and
partials.
"""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from assessments.selectors import trends
from rehab.selectors import (
    REVIEWS_DUE_LIMIT,
    pain_trend,
    plans_for_patient,
    review_measurements,
    review_of_questionnaire,
    review_visits,
    reviews_due,
)

register = template.Library()


@register.inclusion_tag("rehab/_patient_plans.html")
def patient_plans(patient):
    return {"plans": plans_for_patient(patient)}


@register.inclusion_tag("rehab/_patient_trends.html")
def patient_trends(patient, measurements):
    """The record's trends: the assessments' and questionnaires' ``measurements`` (from
    ``assessments.selectors.patient_record``) with the progress reviews' marker pain, sitting
    tolerance and VISA-H beside them. One query for the reviews."""
    from_reviews, reviews = review_measurements(patient)
    return {
        **trends([*measurements, *from_reviews]),
        "marker_chart": pain_trend(reviews) if reviews else None,
    }


@register.inclusion_tag("rehab/_reviews_due.html")
def reviews_due_card(clinic_id):
    """The dashboard's "Reviews due" card: the clinic's plans due for review today or before."""
    today = timezone.localdate()
    plans = reviews_due(clinic_id, today=today)
    return {
        "due": [
            {"plan": plan, "days_overdue": (today - plan.review_date).days}
            for plan in plans[:REVIEWS_DUE_LIMIT]
        ],
        "more": len(plans) > REVIEWS_DUE_LIMIT,
    }


@register.inclusion_tag("rehab/_visa_h_visits.html")
def visa_h_review_visits(patient, selected):
    """The VISA-H form's progress-review options (radios named ``visit``): recent reviews
    recorded without a VISA-H ("review:<id>") and the next review of each recent plan
    ("plan:<id>"). The form hands such a questionnaire on to the review after saving it."""
    visits = review_visits(patient, today=timezone.localdate())
    options = [
        {
            "value": f"review:{review.pk}",
            "label": f"The progress review of {date_format(review.reviewed_on, 'j M Y')} "
            f"(marker pain {review.marker_pain}/10; recorded without a VISA-H)",
            "hint": "You add it to that review on the next page.",
        }
        for review in visits["reviews"]
    ] + [
        {
            "value": f"plan:{plan.pk}",
            "label": f"A progress review of the rehab plan started "
            f"{date_format(timezone.localtime(plan.created_at), 'j M Y')} (now at stage {plan.current_stage}), "
            "recorded next",
            "hint": "Its total becomes the review's VISA-H: you record the review on the next page.",
        }
        for plan in visits["plans"]
    ]
    for option in options:
        option["checked"] = option["value"] == (selected or "")
    return {"options": options}


@register.inclusion_tag("rehab/_visa_h_review_link.html")
def visa_h_review_link(response):
    """On a VISA-H page: the progress review that uses the questionnaire, if any."""
    return {"review": review_of_questionnaire(response)}
