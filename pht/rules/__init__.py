"""PHT Clinic clinical reasoning core: pure Python, no Django, no I/O, no global mutable state.

``evaluate(findings, *, pre_test_probability=None) -> Evaluation`` is the one entry point; the
findings vocabulary is in ``findings.py`` (and docs/findings.md), the evidence in ``sources.py``,
and how it all works in ``docs/rules.md``. Output is worded as suggestions, never diagnoses.
"""

from pht.rules.evaluation import Evaluation, evaluate
from pht.rules.findings import FINDINGS, IMAGING_FINDINGS, FindingsError, FindingSpec, validate
from pht.rules.version import RULES_VERSION

__all__ = [
    "FINDINGS",
    "IMAGING_FINDINGS",
    "RULES_VERSION",
    "Evaluation",
    "FindingSpec",
    "FindingsError",
    "evaluate",
    "validate",
]
