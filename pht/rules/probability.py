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

**Method: the most accurate test performed, whatever its result; never a product.** The three
tests are stretch manoeuvres of the same tendon and highly correlated, so multiplying their LRs
would overstate certainty. The headline uses one test: the most accurate one performed (MBK >
BK > PO; the MBK is the most accurate in both directions). Every performed test's own post-test
probability is reported beside it (``per_test``), and a mix of positive and negative results is
flagged as discordant and explained. (The first version used the most accurate *positive* test,
which resolved every disagreement toward PHT: MBK and BK negative with PO positive read 0.81.)

**Pre-test probability.** No prevalence of PHT is published, so the default is a labelled
project assumption [Dev]: a tier (``PRE_TEST_TIERS``) chosen from PHT's points for everything
recorded *except* the three stretch tests (history, the other examination findings, imaging;
``differentials.pht_prior_points``). The clinician may override it (0 < p < 1).

**One source of truth for PHT's level.** PHT's level is the band of its probability
(``BANDS``): the post-test probability when a test was performed, else the pre-test one. So the
level can never contradict the figure shown. "Likely" needs an examination finding: the top
tier needs one, and a stretch test is one.

**Caveats.** Cacchio 2012 is a case-control study (50 % prevalence) of chronic, MRI-positive
athletes: spectrum bias inflates accuracy. Its sample excluded neural causes, and the stretch
tests also tension the sciatic nerve, so with neural signs the figure carries a caution.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pht.rules.differentials import Level

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
    min_points: float  # PHT's points without the stretch tests, at least this much
    description: str
    needs_exam: bool = False  # the tier needs a supporting examination or imaging finding


# [Dev] Project assumptions, not literature figures (no PHT prevalence is published). The
# points are PHT's rule points for everything except the three stretch tests; the thresholds
# reproduce the earlier tiers (pain at the ischial tuberosity + gradual onset + sitting pain
# = typical, 0.5, which is also the prevalence in Cacchio's sample, where the LRs were
# measured), add one step up for a supporting examination, a "consistent" step for pain where
# the tendon hurts with little else recorded (PHT is then possible, not unlikely: the clinic
# sees deep buttock pain because of this condition), and one step down for features that point
# away from the hamstring origin.
PRE_TEST_TIERS: tuple[PreTestTier, ...] = (
    PreTestTier(
        "typical_supported",
        0.6,
        4.0,
        "typical presentation with a supporting examination finding",
        needs_exam=True,
    ),
    PreTestTier("typical", 0.5, 2.5, "typical presentation"),
    PreTestTier("partly_typical", 0.3, 1.0, "partly typical presentation"),
    PreTestTier(
        "consistent",
        0.2,
        0.5,
        "a few features consistent with tendinopathy, little else recorded",
    ),
    PreTestTier("non_specific", 0.1, -0.5, "non-specific presentation"),
    PreTestTier(
        "atypical",
        0.05,
        float("-inf"),
        "features that point away from the hamstring origin",
    ),
)

# [Dev] PHT's level from its probability: the same bands for pre- and post-test figures.
UNLIKELY_BELOW = 0.2
LIKELY_FROM = 0.6
BANDS = (UNLIKELY_BELOW, LIKELY_FROM)

# Findings that mean the stretch tests may be loading the sciatic nerve rather than the tendon.
NEURAL_KEYS: tuple[str, ...] = (
    "paraesthesia_or_numbness",
    "pain_below_knee",
    "neuro_deficit",
    "slr_positive",
    "slump_positive",
    "bilateral_leg_symptoms",
)

METHOD = (
    "The most accurate stretch test performed, whatever its result (modified bent-knee > "
    "bent-knee > Puranen-Orava); never a product of likelihood ratios, because the three tests "
    "are correlated. Post-test odds = pre-test odds x likelihood ratio (Cacchio et al. 2012, "
    "Table 4). PHT's level is the band of this probability: under 20% unlikely, 60% or more "
    "likely."
)
CAVEAT = (
    "Likelihood ratios come from one case-control study (Cacchio et al. 2012) with 50% "
    "prevalence in chronic, MRI-positive athletes; spectrum bias inflates accuracy, so these "
    "probabilities are optimistic. The pre-test probability is a project assumption unless the "
    "clinician set it. Use the result as a suggestion alongside the whole assessment."
)
NEURAL_CAUTION = (
    "Neural signs are recorded. The stretch tests also tension the sciatic nerve, and "
    "Cacchio's sample excluded neural causes, so a positive test here may reflect nerve "
    "sensitivity rather than the tendon: read the probability with caution."
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
    level: Level  # the band of the probability shown
    caution: str  # neural-sign caution, or ""

    @property
    def shown(self) -> float:
        """The probability the level is read from: post-test if a test was done."""
        return self.pre_test if self.post_test is None else self.post_test

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
            "level": self.level,
            "caution": self.caution,
        }


def post_test_probability(pre_test: float, lr: float) -> float:
    """Bayes on the odds scale: odds = p/(1-p); post odds = odds x LR; p = odds/(1+odds)."""
    odds = pre_test / (1 - pre_test)
    post_odds = odds * lr
    return post_odds / (1 + post_odds)


def band(probability: float) -> Level:
    """PHT's level for a probability (``BANDS``)."""
    if probability >= LIKELY_FROM:
        return "likely"
    if probability >= UNLIKELY_BELOW:
        return "possible"
    return "unlikely"


def prior_tier(points: float, *, exam_support: bool) -> PreTestTier:
    """The [Dev] pre-test tier for PHT's points without the stretch tests."""
    for tier in PRE_TEST_TIERS:
        if points >= tier.min_points and (exam_support or not tier.needs_exam):
            return tier
    return PRE_TEST_TIERS[-1]  # pragma: no cover (the last tier has no minimum)


def pht_level(
    flat: Mapping[str, Any],
    pre_test_probability: float | None,
    *,
    prior_points: float,
    exam_support: bool,
) -> Level:
    """PHT's level only, as ``pht_probability(...).level`` (the next-test look-ahead's path)."""
    if pre_test_probability is None:
        pre_test = prior_tier(prior_points, exam_support=exam_support).probability
    else:
        pre_test = float(pre_test_probability)
    for test in PROVOCATION_TESTS:
        result = flat.get(test.key)
        if result is not None:
            lr = test.lr_positive if result == "positive" else test.lr_negative
            return band(post_test_probability(pre_test, lr))
    return band(pre_test)


def check_pre_test(value: object) -> list[str]:
    """Errors for a clinician's pre-test probability (empty when valid)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"pre_test_probability: expected a number between 0 and 1, got {value!r}"]
    if not 0 < value < 1:
        return [f"pre_test_probability: must be strictly between 0 and 1, got {value!r}"]
    return []


def _percent(p: float) -> str:
    return f"{p * 100:.0f}%"


def pht_probability(
    flat: Mapping[str, Any],
    pre_test_probability: float | None = None,
    *,
    prior_points: float = 0.0,
    exam_support: bool = False,
) -> PhtProbability:
    if pre_test_probability is None:
        tier = prior_tier(prior_points, exam_support=exam_support)
        pre_test = tier.probability
        source = f"default: {tier.slug}"
        basis = (
            f"{tier.description}, from everything recorded except the stretch tests "
            "(project assumption; no published prevalence)"
        )
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

    # PROVOCATION_TESTS is most-accurate-first, so the first performed test is the headline.
    headline = per_test[0] if per_test else None
    results = {use.result for use in per_test}
    discordant = len(results) == 2

    if headline is None:
        note = (
            "No stretch test was performed, so the figure is the pre-test probability; consider "
            "the modified bent-knee stretch (the most accurate of the three)."
        )
    elif discordant:
        others = [use for use in per_test if use.result != headline.result]
        note = (
            "The tests disagree: "
            + ", ".join(f"{use.name} {use.result}" for use in per_test)
            + f". The headline uses the most accurate test performed ({headline.name}, "
            f"{headline.result}), which is the most accurate in both directions; on its own "
            + " and ".join(
                f"the {use.name} {use.result} would give {_percent(use.post_test)}"
                for use in others
            )
            + ". Consider repeating the tests, and weigh the other findings."
        )
    else:
        note = f"Based on the {headline.name} ({headline.result}, LR {headline.lr})."

    post_test = headline.post_test if headline else None
    shown = pre_test if post_test is None else post_test
    caution = (
        NEURAL_CAUTION
        if any(flat.get(key) is True for key in NEURAL_KEYS)
        or ("below_knee" in flat.get("pain_location", ()))
        else ""
    )
    return PhtProbability(
        pre_test=pre_test,
        pre_test_source=source,
        pre_test_basis=basis,
        post_test=post_test,
        tests_used=(headline,) if headline else (),
        per_test=tuple(per_test),
        method=METHOD,
        caveat=CAVEAT,
        discordant=discordant,
        note=note,
        level=band(shown),
        caution=caution,
    )
