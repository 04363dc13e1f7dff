"""The patient handout: one template for the print view and the PDF.

The PDF is rendered by ``pht.pdf``, which never fetches anything over the network: it serves
only the handout's stylesheet from the local static files.
"""

from django.template.loader import render_to_string

from pht import pdf
from pht.rules import rehab as rules
from rehab import selectors

TEMPLATE = "rehab/handout.html"


def handout_context(plan, *, pdf: bool, clinician_copy: bool = False) -> dict:
    return {
        "plan": plan,
        "clinician_copy": clinician_copy,
        "stage": plan.stage,
        "items": selectors.plan_items(plan),
        "pain_monitoring": rules.PAIN_MONITORING_ADVICE,
        "when_to_call": rules.WHEN_TO_CALL_ADVICE,
        "pdf": pdf,
    }


def render_pdf(plan, *, clinician_copy: bool = False) -> bytes:
    html = render_to_string(
        TEMPLATE, handout_context(plan, pdf=True, clinician_copy=clinician_copy)
    )
    return pdf.render_pdf(html)
