"""Post-test probability of PHT from the three stretch-provocation tests (Cacchio 2012).

**Arithmetic (Bayes on the odds scale).** ``odds = p / (1 - p)``; ``post odds = odds x LR``;
``p = post odds / (1 + post odds)``. Likelihood ratios are Cacchio et al. 2012, Table 4 [C: S2]:

====================================  =====  =====
test                                   LR+    LR-
====================================  =====  =====
modified bent-knee stretch (MBK)       10.2   0.12
bent-knee stretch (BK)                 6.5    0.18
Puranen-Orava (PO)                     4.2    0.29
====================================  =====  =====

**Method: single most accurate test, never a product.** The three tests are stretch manoeuvres
of the same tendon and highly correlated, so multiplying their LRs would overstate certainty
(KNOWLEDGE.md section 1.5). The headline post-test probability uses one test: the most
accurate *positive* test (MBK > BK > PO); if none is positive, the most accurate *negative*
test. Every performed test's own post-test probability is also reported (``per_test``) so the
clinician sees the range, and a mix of positive and negative results is flagged as discordant.
A positive result can therefore never lower the headline.

**Pre-test probability.** There is no published prevalence of PHT, so the default is a
labelled project assumption [Dev] chosen from the presentation recorded (``PRE_TEST_TIERS``);
the clinician may override it with ``pre_test_probability`` (0 < p < 1).

**Caveat.** Cacchio 2012 is a case-control study (50 % prevalence) of chronic, MRI-positive
athletes: spectrum bias inflates accuracy, so these figures are optimistic in a general clinic.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

type TestResultValue = Literal["positive", "negative"]


@dataclass(frozen=True)
class ProvocationTest:
    key: str
    name: str
    lr_positive: float
    lr_negative: float


# Most accurate first (highest LR+ and lowest LR-): this order is the method's priority.
PROVOCATION_TESTS: tuple[ProvocationTest, ...] = (
    ProvocationTest("modified_bent_knee_stretch", "Modified bent-knee stretch", 10.2, 0.12),
    ProvocationTest("bent_knee_stretch", "Bent-knee stretch", 6.5, 0.18),
    ProvocationTest("puranen_orava", "Puranen-Orava", 4.2, 0.29),
)


@dataclass(frozen=True)
class PreTestTier:
    slug: str
    probability: float
    description: str


# [Dev] Project assumptions, not literature figures (no PHT prevalence is published, S43).
# Typical = all three hallmarks of the presentation described in KNOWLEDGE.md section 8 /
# Goom 2016: pain localised at the ischial tuberosity, gradual onset, pain with sitting.
# 0.5 matches the prevalence in Cacchio's sample, where the LRs were measured.
PRE_TEST_TIERS: tuple[PreTestTier, ...] = (
    PreTestTier(
        "typical",
        0.5,
        "typical presentation: pain at the ischial tuberosity, gradual onset and sitting pain",
    ),
    PreTestTier(
        "partly_typical",
        0.3,
        "partly typical presentation: pain at the ischial tuberosity with gradual onset or "
        "sitting pain",
    ),
    PreTestTier("non_specific", 0.1, "non-specific buttock pain"),
)
TIER_BY_SLUG: dict[str, PreTestTier] = {tier.slug: tier for tier in PRE_TEST_TIERS}

METHOD = (
    "Single most accurate test (never a product of likelihood ratios, because the three tests "
    "are correlated): the most accurate positive test (MBK > BK > PO) or, if none is "
    "positive, the most accurate negative test. post-test odds = pre-test odds x LR "
    "(Cacchio 2012, Table 4)."
)
CAVEAT = (
    "Likelihood ratios come from one case-control study (Cacchio 2012) with 50% prevalence in "
    "chronic, MRI-positive athletes; spectrum bias inflates accuracy, so these probabilities "
    "are optimistic. The pre-test probability is a project assumption unless the clinician "
    "set it. Use the result as a suggestion alongside the whole assessment."
)


@dataclass(frozen=True)
class TestUse:
    test: str
    name: str
    result: TestResultValue
    lr: float
    post_test: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "name": self.name,
            "result": self.result,
            "lr": self.lr,
            "post_test": self.post_test,
        }


@dataclass(frozen=True)
class PhtProbability:
    pre_test: float
    pre_test_source: str
    pre_test_basis: str
    post_test: float | None
    tests_used: tuple[TestUse, ...]
    per_test: tuple[TestUse, ...]
    method: str
    caveat: str
    discordant: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "pre_test": self.pre_test,
            "pre_test_source": self.pre_test_source,
            "pre_test_basis": self.pre_test_basis,
            "post_test": self.post_test,
            "tests_used": [use.to_dict() for use in self.tests_used],
            "per_test": [use.to_dict() for use in self.per_test],
            "method": self.method,
            "caveat": self.caveat,
            "discordant": self.discordant,
            "note": self.note,
        }


def post_test_probability(pre_test: float, lr: float) -> float:
    """Bayes on the odds scale: odds = p/(1-p); post odds = odds x LR; p = odds/(1+odds)."""
    odds = pre_test / (1 - pre_test)
    post_odds = odds * lr
    return post_odds / (1 + post_odds)


def default_tier(flat: Mapping[str, Any]) -> PreTestTier:
    """The [Dev] pre-test tier for the presentation recorded (absent features do not count)."""
    at_tuberosity = "ischial_tuberosity" in flat.get("pain_location", ())
    gradual = flat.get("onset") == "gradual"
    sitting = flat.get("pain_with_sitting") is True
    if at_tuberosity and gradual and sitting:
        return TIER_BY_SLUG["typical"]
    if at_tuberosity and (gradual or sitting):
        return TIER_BY_SLUG["partly_typical"]
    return TIER_BY_SLUG["non_specific"]


def check_pre_test(value: object) -> list[str]:
    """Errors for a clinician's pre-test probability (empty when valid)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"pre_test_probability: expected a number between 0 and 1, got {value!r}"]
    if not 0 < value < 1:
        return [f"pre_test_probability: must be strictly between 0 and 1, got {value!r}"]
    return []


def pht_probability(
    flat: Mapping[str, Any], pre_test_probability: float | None = None
) -> PhtProbability:
    if pre_test_probability is None:
        tier = default_tier(flat)
        pre_test = tier.probability
        source = f"default: {tier.slug}"
        basis = f"{tier.description} (project assumption; no published prevalence)"
    else:
        pre_test = float(pre_test_probability)
        source = "clinician"
        basis = "set by the clinician"

    per_test = []
    for test in PROVOCATION_TESTS:
        result = flat.get(test.key)
        if result is None:
            continue
        lr = test.lr_positive if result == "positive" else test.lr_negative
        per_test.append(
            TestUse(test.key, test.name, result, lr, post_test_probability(pre_test, lr))
        )

    # PROVOCATION_TESTS is most-accurate-first, so the first positive (else the first
    # negative) in per_test is the test the method uses.
    positives = [use for use in per_test if use.result == "positive"]
    negatives = [use for use in per_test if use.result == "negative"]
    headline = positives[0] if positives else (negatives[0] if negatives else None)
    discordant = bool(positives and negatives)

    if headline is None:
        note = (
            "No provocation test was performed, so no post-test probability is given; "
            "consider the modified bent-knee stretch (the most accurate of the three)."
        )
    elif discordant:
        note = (
            "Discordant results: "
            + ", ".join(f"{use.name} {use.result}" for use in per_test)
            + f". The headline uses the most accurate positive test ({headline.name}); the "
            "per-test range shows how much the answer depends on which test is believed."
        )
    else:
        note = f"Based on the {headline.name} ({headline.result}, LR {headline.lr})."

    return PhtProbability(
        pre_test=pre_test,
        pre_test_source=source,
        pre_test_basis=basis,
        post_test=headline.post_test if headline else None,
        tests_used=(headline,) if headline else (),
        per_test=tuple(per_test),
        method=METHOD,
        caveat=CAVEAT,
        discordant=discordant,
        note=note,
    )
