"""``evaluate()``: findings in, a complete, explained ``Evaluation`` out.

The evaluation is a pure function of its input: the same findings, pre-test probability and
``RULES_VERSION`` always give the same output. Every part is a suggestion that cites its
evidence, never a diagnosis.

Order of reasoning: red flags first (graded by severity and site), then the stretch-test
probability of PHT (which sets PHT's level), then the differential (rule-out-first diagnoses
above the rest), the stage (only when tendinopathy leads and no urgent or emergency flag is
open), and the next questions and tests (unasked red-flag questions first, never a test that
loads a suspected high-risk fracture).

``Evaluation.to_dict()`` keys: ``rules_version``, ``findings`` (the validated input echo),
``top`` (the headline diagnosis, or null when nothing reaches "possible"), ``differentials``,
``red_flags``, ``risk_factors``, ``red_flag_screen``, ``stage``, ``pht_probability``,
``next_tests`` and ``withheld_tests``.
"""

import copy
from dataclasses import dataclass
from typing import Any

from pht.rules.differentials import Differential, fire, headline, pht_prior, score_all
from pht.rules.findings import FindingsError, flatten, validate
from pht.rules.next_tests import NextTest, Withheld, next_tests
from pht.rules.probability import PhtProbability, check_pre_test, pht_probability
from pht.rules.red_flags import (
    OPEN_URGENCIES,
    RedFlag,
    RiskNote,
    diagnosis_urgencies,
    red_flags,
    risk_factors,
)
from pht.rules.screen import Screen, screen
from pht.rules.stage import Stage, stage
from pht.rules.version import RULES_VERSION

PHT = "proximal_hamstring_tendinopathy"


@dataclass(frozen=True)
class Evaluation:
    rules_version: str
    findings: dict[str, Any]
    top: Differential | None
    differentials: tuple[Differential, ...]
    red_flags: tuple[RedFlag, ...]
    risk_factors: tuple[RiskNote, ...]
    red_flag_screen: Screen
    stage: Stage | None
    pht_probability: PhtProbability
    next_tests: tuple[NextTest, ...]
    withheld_tests: tuple[Withheld, ...]

    def differential(self, slug: str) -> Differential:
        return next(d for d in self.differentials if d.slug == slug)

    def to_dict(self) -> dict[str, Any]:
        top = self.top
        return {
            "rules_version": self.rules_version,
            "findings": copy.deepcopy(self.findings),
            "top": ({"slug": top.slug, "name": top.name, "level": top.level} if top else None),
            "differentials": [d.to_dict() for d in self.differentials],
            "red_flags": [flag.to_dict() for flag in self.red_flags],
            "risk_factors": [note.to_dict() for note in self.risk_factors],
            "red_flag_screen": self.red_flag_screen.to_dict(),
            "stage": self.stage.to_dict() if self.stage else None,
            "pht_probability": self.pht_probability.to_dict(),
            "next_tests": [test.to_dict() for test in self.next_tests],
            "withheld_tests": [test.to_dict() for test in self.withheld_tests],
        }


def stage_applies(top: Differential | None, flags: tuple[RedFlag, ...]) -> bool:
    """A stage is suggested only when tendinopathy leads and no urgent flag is open."""
    return (
        top is not None
        and top.slug == PHT
        and not any(flag.urgency in OPEN_URGENCIES for flag in flags)
    )


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
    flags = red_flags(flat)
    fired = fire(flat)
    prior_points, exam_support = pht_prior(fired)
    probability = pht_probability(
        flat, pre_test_probability, prior_points=prior_points, exam_support=exam_support
    )
    urgencies = diagnosis_urgencies(flags)
    differentials = score_all(flat, fired, flag_urgencies=urgencies, pht_level=probability.level)
    top = headline(differentials)
    suggested, withheld = next_tests(
        flat,
        fired,
        differentials,
        flags=flags,
        pht_level=probability.level,
        pre_test_probability=pre_test_probability,
    )
    return Evaluation(
        rules_version=RULES_VERSION,
        findings=clean,
        top=top,
        differentials=differentials,
        red_flags=flags,
        risk_factors=risk_factors(flat),
        red_flag_screen=screen(flat),
        stage=stage(flat) if stage_applies(top, flags) else None,
        pht_probability=probability,
        next_tests=suggested,
        withheld_tests=withheld,
    )
