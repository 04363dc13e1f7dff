"""Small display helpers for clinical values. Words come from ``assessments.presenter``."""

from django import template

from assessments import presenter
from pht.rules.findings import IMAGING_SPECS, SPECS

register = template.Library()


@register.filter
def percent(value, digits: int = 0) -> str:
    """0.9107 -> '91%'. Empty for None."""
    if value is None or value == "":
        return ""
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def odds(probability) -> str:
    if probability is None:
        return ""
    p = float(probability)
    return f"{p / (1 - p):.2f}" if p < 1 else "∞"


@register.filter
def times(a, b) -> str:
    return f"{float(a) * float(b):.2f}"


@register.filter
def finding_label(key: str) -> str:
    """A finding key (or 'a + b', or 'imaging.flag') in the clinician's words."""
    parts = []
    for part in str(key).split(" + "):
        if part.startswith("imaging."):
            spec = IMAGING_SPECS.get(part.removeprefix("imaging."))
        else:
            spec = SPECS.get(part)
        parts.append(spec.label if spec else part.replace("_", " "))
    return " + ".join(parts)


@register.filter
def urgency_label(urgency: str) -> str:
    return presenter.urgency_label(urgency)


@register.filter
def split_levels(differentials):
    """(likely or possible, unlikely) for showing the unlikely ones collapsed."""
    shown = [d for d in differentials or [] if d.get("level") != "unlikely"]
    rest = [d for d in differentials or [] if d.get("level") == "unlikely"]
    return shown, rest


@register.filter
def present(evaluation):
    """A stored or fresh evaluation as the pages show it (``assessments.presenter.present``)."""
    return presenter.present(evaluation)


@register.filter
def evidence_words(evidence: str) -> str:
    """Evidence status in plain words ("" when confirmed in the source)."""
    return presenter.evidence_words(evidence)


@register.filter
def warning_for(form, name: str) -> str:
    """The disagreement warning of a consultation form's field ("" when none)."""
    return getattr(form, "warnings", {}).get(name, "")
