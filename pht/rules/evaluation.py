"""``evaluate()``: findings in, a complete, explained ``Evaluation`` out.

The evaluation is a pure function of its input: the same findings, pre-test probability and
``RULES_VERSION`` always give the same output. Every part is a suggestion that cites its
evidence, never a diagnosis.

``Evaluation.to_dict()`` keys: ``rules_version``, ``findings`` (the validated input echo),
``differentials``, ``red_flags``, ``stage`` (null unless PHT is likely or possible),
``pht_probability`` and ``next_tests``.
"""

import copy
from dataclasses import dataclass
from typing import Any

from pht.rules.differentials import Differential, fire, score_all
from pht.rules.findings import FindingsError, flatten, validate
from pht.rules.next_tests import NextTest, next_tests
from pht.rules.probability import PhtProbability, check_pre_test, pht_probability
from pht.rules.red_flags import RedFlag, red_flags
from pht.rules.stage import Stage, stage
from pht.rules.version import RULES_VERSION

PHT = "proximal_hamstring_tendinopathy"


@dataclass(frozen=True)
class Evaluation:
    rules_version: str
    findings: dict[str, Any]
    differentials: tuple[Differential, ...]
    red_flags: tuple[RedFlag, ...]
    stage: Stage | None
    pht_probability: PhtProbability
    next_tests: tuple[NextTest, ...]

    def differential(self, slug: str) -> Differential:
        return next(d for d in self.differentials if d.slug == slug)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules_version": self.rules_version,
            "findings": copy.deepcopy(self.findings),
            "differentials": [d.to_dict() for d in self.differentials],
            "red_flags": [flag.to_dict() for flag in self.red_flags],
            "stage": self.stage.to_dict() if self.stage else None,
            "pht_probability": self.pht_probability.to_dict(),
            "next_tests": [test.to_dict() for test in self.next_tests],
        }


def evaluate(findings: object, *, pre_test_probability: float | None = None) -> Evaluation:
    """Validate ``findings`` and reason over them.

    Raises ``FindingsError`` listing every problem (including a bad ``pre_test_probability``).
    """
    errors: list[str] = []
    clean: dict[str, Any] = {}
    try:
        clean = validate(findings)
    except FindingsError as error:
        errors.extend(error.errors)
    if pre_test_probability is not None:
        errors.extend(check_pre_test(pre_test_probability))
    if errors:
        raise FindingsError(errors)

    flat = flatten(clean)
    fired = fire(flat)
    differentials = score_all(flat, fired)
    pht_level = next(d.level for d in differentials if d.slug == PHT)
    return Evaluation(
        rules_version=RULES_VERSION,
        findings=clean,
        differentials=differentials,
        red_flags=red_flags(flat),
        stage=stage(flat) if pht_level != "unlikely" else None,
        pht_probability=pht_probability(flat, pre_test_probability),
        next_tests=next_tests(flat, fired, differentials),
    )
