"""The patient handout: one template for the print view and the PDF.

The PDF is rendered by ``pht.pdf``, which never fetches anything over the network: it serves
only the handout's stylesheet from the local static files.
"""

from django.template.loader import render_to_string
from django.utils.text import slugify

from pht import pdf
from pht.rules import rehab as rules
from rehab import selectors

TEMPLATE = "rehab/handout.html"
LOG_DAYS = 7  # the pain log's rows, one a day until the patient is seen or calls
# The review asks the same question (ProgressReview.Response24h), in the patient's words here.
LOG_ANSWERS = ("Better", "Same", "Worse")


def handout_context(plan, *, pdf: bool, clinician_copy: bool = False) -> dict:
    return {
        "plan": plan,
        "clinician_copy": clinician_copy,
        "stage": plan.stage,
        "items": selectors.plan_items(plan),
        "pain_monitoring": rules.PAIN_MONITORING_ADVICE,
        "when_to_call": rules.WHEN_TO_CALL_ADVICE,
        "log_days": range(1, LOG_DAYS + 1),
        "log_answers": LOG_ANSWERS,
        "pdf": pdf,
    }


def render_pdf(plan, *, clinician_copy: bool = False) -> bytes:
    html = render_to_string(
        TEMPLATE, handout_context(plan, pdf=True, clinician_copy=clinician_copy)
    )
    return pdf.render_pdf(html)


def filename(plan, *, day, clinician_copy: bool = False) -> str:
    """``exercise-plan-<family-name>-<YYYY-MM-DD>.pdf`` (slugified; the clinician copy says so)."""
    parts = ["exercise-plan", slugify(plan.patient.family_name), f"{day:%Y-%m-%d}"]
    if clinician_copy:
        parts.append("clinician-copy")
    return "-".join(part for part in parts if part) + ".pdf"
