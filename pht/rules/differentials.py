"""Differential diagnosis of deep buttock / ischial pain as weighted, cited rule tables.

**Scoring (additive, log-odds-like points).** Each diagnosis starts at a ``baseline`` (how
common it is among people presenting with buttock pain, a [Dev] judgement: 0 common, -1
uncommon, -2 rare, -3 rare and serious). Each rule whose condition holds adds its points:

====  ==========  ==============================================================
 ++   +2.0        strongly raises (roughly a likelihood ratio of 5-10)
 +    +1.0        raises (LR about 2-3)
 -    -1.0        lowers (LR about 0.3-0.5)
 --   -2.0        strongly lowers (LR about 0.1-0.2)
====  ==========  ==============================================================

Where a published likelihood ratio fits the finding, the points are its natural log instead
(``points=``), e.g. a positive modified bent-knee stretch adds ln(10.2) = 2.32. **History items
without a likelihood ratio stay modest** (at most one point, often half). Adding logs of
likelihood ratios is Bayes' rule only for independent findings, so **correlated findings share a
group**: within a group only the first rule that holds counts (the table order is the
priority). Examples: the three stretch tests (the most accurate test performed counts, whatever
its result: MBK > BK > PO, the method of ``probability.py``); pain at the ischial tuberosity
and tenderness there; the nerve symptoms.

**Levels.** ``likely`` at ``LIKELY_MIN`` points or more, ``possible`` at ``POSSIBLE_MIN`` or
more, otherwise ``unlikely``. "Likely" needs an examination or imaging finding among the
reasons: history alone makes a diagnosis at most "possible". **PHT's level is the band of its
probability** (``probability.py``), so the level never contradicts the figure shown.

**Red flags.** A diagnosis that an open red flag points to (``red_flags.py``) is at least
"possible", with a reason that says so; with an urgent or emergency flag it is **ruled out
first**: it ranks above every other diagnosis, in its own group.

**Ranking.** Rule out first (the most urgent flag first), then level (likely, possible,
unlikely), then score, then
``CLINICAL_PRIORITY`` (serious pathology first, so a tie never hides it), then slug. The first
diagnosis is the headline only when it is at least "possible"; otherwise no listed diagnosis is
suggested.

**Absent findings** never satisfy a condition (``predicates.py``), so an unexamined test moves
nothing; ``next_tests.py`` suggests it instead.

To add a rule: add a ``Rule`` row to the diagnosis table with its condition, strength, source
key (``sources.py``), evidence status and plain-words text; bump ``RULES_VERSION`` (the pinned
hash in ``tests/rules/test_version.py`` fails until you do); add a vignette to the validation
set if a published case shows it; run ``make docs`` and ``make validate``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from pht.rules.findings import IMAGING_SPECS, SPECS
from pht.rules.predicates import AllOf, AnyOf, Condition, Flat, When, has_any, raised_by
from pht.rules.red_flags import (
    APOPHYSIS_AGE_MAX,
    APOPHYSIS_AGE_MIN,
    BILATERAL_LEGS,
    BONE_STRESS_CONTEXT,
    FEVER,
    GROIN,
    OPEN_URGENCIES,
    RISK_AGE_OLDER,
    SKELETALLY_IMMATURE_MAX_AGE,
    URGENCY_RANK,
)
from pht.rules.sources import EVIDENCE_NOTE, SOURCES, Evidence

type Strength = Literal["++", "+", "-", "--"]
type Level = Literal["likely", "possible", "unlikely"]
type Referral = Literal["emergency", "urgent", "soon", "routine"]

STRENGTH_POINTS: dict[str, float] = {"++": 2.0, "+": 1.0, "-": -1.0, "--": -2.0}
LEVELS: tuple[Level, ...] = ("likely", "possible", "unlikely")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}

# [Dev] Level thresholds. "Likely" needs several strong findings net of what lowers them
# (and an examination or imaging finding); "possible" needs about one strong finding.
LIKELY_MIN = 4.0
POSSIBLE_MIN = 1.0

# Baselines [Dev]: a judgement of how often each condition is seen in a buttock-pain clinic.
COMMON = 0.0
UNCOMMON = -1.0
RARE = -2.0
RARE_SERIOUS = -3.0

# Findings recorded on examination or imaging (some sit in the red-flag screen of the form).
EXAM_KEYS: frozenset[str] = frozenset(
    {spec.key for spec in SPECS.values() if spec.section == "examination"}
    | {"neuro_deficit", "neuro_deficit_extent", "motor_grade_weakest", "foot_drop", "temperature_c"}
)


def is_exam_key(key: str) -> bool:
    return key in EXAM_KEYS or key.startswith("imaging.")


@dataclass(frozen=True)
class Rule:
    when: Condition
    strength: Strength
    source: str
    evidence: Evidence
    text: str
    points: float | None = None  # None: the strength's default points
    group: str | None = None  # correlated rules: only the first that holds counts
    # Derived once (kept out of repr, so out of the pinned hash): the points actually added.
    value: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        value = STRENGTH_POINTS[self.strength] if self.points is None else self.points
        object.__setattr__(self, "value", value)

    @property
    def direction(self) -> Literal["raises", "lowers"]:
        return "raises" if self.value > 0 else "lowers"

    @property
    def from_examination(self) -> bool:
        return any(is_exam_key(key) for key in self.when.keys)


@dataclass(frozen=True)
class DiagnosisTable:
    slug: str
    name: str
    referral: Referral
    baseline: float
    rules: tuple[Rule, ...]
    # Units: a group's rules together, or one ungrouped rule. Derived, so kept out of repr.
    units: tuple[tuple[Rule, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        units: list[tuple[Rule, ...]] = []
        seen: dict[str, int] = {}
        for rule in self.rules:
            if rule.group is None:
                units.append((rule,))
            elif rule.group in seen:
                index = seen[rule.group]
                units[index] = (*units[index], rule)
            else:
                seen[rule.group] = len(units)
                units.append((rule,))
        object.__setattr__(self, "units", tuple(units))

    @property
    def keys(self) -> frozenset[str]:
        """Every finding key this diagnosis reads."""
        return frozenset(key for rule in self.rules for key in rule.when.keys)


def is_(key: str, value: Any = True) -> When:
    return When(key, "is", value)


def no(key: str) -> When:
    return When(key, "is", False)


def has(key: str, item: str) -> When:
    return When(key, "has", item)


def lacks(key: str, item: str) -> When:
    return When(key, "lacks", item)


PROVOCATION = "provocation_tests"

# The stretch tests: the most accurate test performed counts, whatever its result (the same
# method as probability.py), so a less accurate positive test never outweighs a more accurate
# negative one.
PROVOCATION_RULES: tuple[Rule, ...] = (
    Rule(
        is_("modified_bent_knee_stretch", "positive"),
        "++",
        "S2",
        "C",
        "Positive modified bent-knee stretch suggests tendinopathy (LR+ 10.2)",
        points=2.32,
        group=PROVOCATION,
    ),
    Rule(
        is_("modified_bent_knee_stretch", "negative"),
        "--",
        "S2",
        "C",
        "Negative modified bent-knee stretch argues against tendinopathy (LR- 0.12)",
        points=-2.12,
        group=PROVOCATION,
    ),
    Rule(
        is_("bent_knee_stretch", "positive"),
        "++",
        "S2",
        "C",
        "Positive bent-knee stretch suggests tendinopathy (LR+ 6.5)",
        points=1.87,
        group=PROVOCATION,
    ),
    Rule(
        is_("bent_knee_stretch", "negative"),
        "--",
        "S2",
        "C",
        "Negative bent-knee stretch argues against tendinopathy (LR- 0.18)",
        points=-1.71,
        group=PROVOCATION,
    ),
    Rule(
        is_("puranen_orava", "positive"),
        "+",
        "S2",
        "C",
        "Positive Puranen-Orava test suggests tendinopathy (LR+ 4.2)",
        points=1.44,
        group=PROVOCATION,
    ),
    Rule(
        is_("puranen_orava", "negative"),
        "-",
        "S2",
        "C",
        "Negative Puranen-Orava test argues against tendinopathy (LR- 0.29)",
        points=-1.24,
        group=PROVOCATION,
    ),
)

AWAY_FROM_HAMSTRING = AllOf(
    lacks("pain_location", "ischial_tuberosity"),
    lacks("pain_location", "deep_buttock"),
    lacks("pain_location", "posterior_thigh"),
)
NERVE_SYMPTOMS_TO_BELOW_KNEE = AllOf(
    is_("paraesthesia_or_numbness"),
    AnyOf(is_("pain_below_knee"), has("pain_location", "below_knee")),
)
BELOW_KNEE = AnyOf(is_("pain_below_knee"), has("pain_location", "below_knee"))
OBJECTIVE_DEFICIT = AnyOf(
    is_("neuro_deficit"),
    is_("foot_drop"),
    When("motor_grade_weakest", "at_most", 4),
    When("neuro_deficit_extent", "in", ("single_root", "multiple_roots", "bilateral")),
)
YOUNG = When("age", "between", (APOPHYSIS_AGE_MIN, APOPHYSIS_AGE_MAX))
IMMATURE = When("age", "at_most", SKELETALLY_IMMATURE_MAX_AGE)
BONE_STRESS_ON_IMAGING = AnyOf(
    is_("imaging.stress_fracture"),
    # Any site recorded: the report named a bone stress injury.
    When("imaging.stress_fracture_site", "in", IMAGING_SPECS["stress_fracture_site"].choices),
)
APOPHYSEAL_AVULSION_ON_IMAGING = AnyOf(
    is_("imaging.apophyseal_avulsion"),
    When("imaging.apophyseal_displacement_mm", "at_least", 0),
)

TABLES: tuple[DiagnosisTable, ...] = (
    DiagnosisTable(
        slug="proximal_hamstring_tendinopathy",
        name="Proximal hamstring tendinopathy",
        referral="routine",
        baseline=COMMON,
        rules=(
            Rule(
                AllOf(is_("onset", "gradual"), is_("recent_training_load_change")),
                "+",
                "S17",
                "C2",
                "Gradual onset after a change in training load fits tendinopathy",
                group="onset",
            ),
            Rule(
                is_("onset", "gradual"),
                "+",
                "S17",
                "C2",
                "Gradual onset without a specific injury fits tendinopathy",
                points=0.5,
                group="onset",
            ),
            Rule(
                is_("onset", "sudden"),
                "-",
                "DEV",
                "Dev",
                "A sudden onset points more to a tear than to tendinopathy",
                group="onset",
            ),
            Rule(
                AllOf(
                    has("pain_location", "ischial_tuberosity"),
                    is_("tenderness_ischial_tuberosity"),
                ),
                "+",
                "S17",
                "C2",
                "Pain localised at the ischial tuberosity, and tender there, suggests "
                "tendinopathy (counted once: the tenderness and the pain are at the same place)",
                points=1.5,
                group="ischial_site",
            ),
            Rule(
                has("pain_location", "ischial_tuberosity"),
                "+",
                "S17",
                "C2",
                "Pain localised at the ischial tuberosity fits tendinopathy",
                group="ischial_site",
            ),
            Rule(
                is_("tenderness_ischial_tuberosity"),
                "+",
                "S3",
                "M",
                "Tenderness at the ischial tuberosity supports tendinopathy but is not specific "
                "(bursa, avulsion and nerve lie close by)",
                group="ischial_site",
            ),
            Rule(
                AnyOf(
                    has("pain_location", "deep_buttock"), has("pain_location", "posterior_thigh")
                ),
                "+",
                "S20",
                "C",
                "Deep buttock pain, sometimes into the posterior thigh, is where tendinopathy "
                "hurts (and where its mimics hurt too)",
                points=0.5,
                group="ischial_site",
            ),
            Rule(
                AWAY_FROM_HAMSTRING,
                "--",
                "DEV",
                "Dev",
                "Pain recorded only away from the buttock and thigh (groin, side of the hip or "
                "back) points away from the hamstring origin",
                group="site_against",
            ),
            Rule(
                no("tenderness_ischial_tuberosity"),
                "-",
                "S3",
                "C2",
                "No tenderness at the ischial tuberosity argues against tendinopathy (it was "
                "part of the reference standard in Cacchio 2012)",
                group="site_against",
            ),
            Rule(
                is_("pain_with_sitting"),
                "+",
                "S17",
                "C2",
                "Pain with sitting (compression of the tendon) fits tendinopathy",
            ),
            Rule(
                is_("pain_running_uphill_or_speed"),
                "+",
                "S20",
                "C",
                "Pain running at speed or uphill fits tendinopathy",
                points=0.5,
            ),
            Rule(
                AllOf(is_("pain_warms_up_with_activity"), is_("pain_worse_after_activity")),
                "+",
                "S17",
                "C2",
                "Pain that warms up with activity but is worse afterwards fits tendinopathy",
                points=0.5,
            ),
            Rule(
                is_("single_leg_bridge_pain"),
                "+",
                "S30",
                "C",
                "Pain on a single-leg bridge (a tendon load test) fits tendinopathy; no "
                "accuracy data",
                group="load_test",
            ),
            Rule(
                no("single_leg_bridge_pain"),
                "-",
                "DEV",
                "Dev",
                "A pain-free single-leg bridge (a tendon load test) argues against tendinopathy",
                group="load_test",
            ),
            *PROVOCATION_RULES,
            Rule(
                is_("imaging.tendon_thickening"),
                "+",
                "S33",
                "C",
                "Imaging shows tendon thickening at the hamstring origin; such changes are "
                "also common in pain-free people",
                group="tendon_imaging",
            ),
            Rule(
                AllOf(is_("imaging.partial_tear"), When("onset", "in", ("gradual",))),
                "+",
                "S33",
                "C",
                "Partial tearing at the hamstring origin after a gradual onset is part of "
                "tendinopathy (fluid-signal tearing is typical over 45, and also seen in "
                "pain-free people)",
                group="tendon_imaging",
            ),
            Rule(
                is_("imaging.partial_tear"),
                "+",
                "S33",
                "C",
                "Partial tearing at the hamstring origin is seen in tendinopathy (typical over "
                "45, and also in pain-free people) as well as after an acute tear",
                points=0.5,
                group="tendon_imaging",
            ),
            Rule(
                OBJECTIVE_DEFICIT,
                "-",
                "DEV",
                "Dev",
                "A neurological deficit points to a nerve or spinal source rather than the tendon",
                group="neural",
            ),
            Rule(
                BILATERAL_LEGS,
                "-",
                "DEV",
                "Dev",
                "Leg symptoms in both legs point to the spine rather than the tendon",
                group="neural",
            ),
            Rule(
                BELOW_KNEE,
                "-",
                "DEV",
                "Dev",
                "Pain below the knee points to a nerve or spinal source rather than the tendon",
                group="neural",
            ),
            Rule(
                is_("paraesthesia_or_numbness"),
                "-",
                "DEV",
                "Dev",
                "Pins and needles or numbness point to a nerve source rather than the tendon",
                group="neural",
            ),
            Rule(
                AnyOf(
                    is_("imaging.full_avulsion"),
                    BONE_STRESS_ON_IMAGING,
                    APOPHYSEAL_AVULSION_ON_IMAGING,
                ),
                "--",
                "DEV",
                "Dev",
                "Imaging shows an avulsion or a bone stress injury, which explains the pain "
                "better than tendinopathy",
            ),
            Rule(
                IMMATURE,
                "-",
                "S28",
                "Dev",
                "Before skeletal maturity the apophysis, not the tendon, is usually the weak link",
            ),
            Rule(
                is_("fadir_or_impingement_test_positive"),
                "-",
                "S18",
                "Dev",
                "A positive FADIR / hip impingement test points to the hip joint rather than "
                "the hamstring origin",
            ),
            Rule(
                is_("groin_pain_on_loading"),
                "-",
                "DEV",
                "Dev",
                "Groin pain on loading points to the hip or femoral neck rather than the "
                "hamstring origin",
                points=-0.5,
            ),
        ),
    ),
    DiagnosisTable(
        slug="deep_gluteal_syndrome",
        name="Deep gluteal syndrome (incl. piriformis syndrome)",
        referral="routine",
        baseline=UNCOMMON,
        rules=(
            Rule(
                has("pain_location", "deep_buttock"),
                "+",
                "S23",
                "C",
                "Deep buttock pain fits sciatic nerve entrapment in the deep gluteal space",
            ),
            Rule(
                NERVE_SYMPTOMS_TO_BELOW_KNEE,
                "+",
                "S23",
                "C",
                "Pins and needles with sciatic-type pain below the knee suggest sciatic nerve "
                "involvement (one finding: both describe the same nerve)",
                points=1.5,
                group="sciatic",
            ),
            Rule(
                is_("paraesthesia_or_numbness"),
                "+",
                "S23",
                "C",
                "Pins and needles or numbness suggest sciatic nerve involvement",
                group="sciatic",
            ),
            Rule(
                BELOW_KNEE,
                "+",
                "S23",
                "C",
                "Sciatic-type pain radiating below the knee fits deep gluteal syndrome",
                group="sciatic",
            ),
            Rule(
                When("sitting_tolerance_min", "at_most", 30),
                "+",
                "S23",
                "C",
                "Sitting intolerance (30 minutes or less) is common in deep gluteal syndrome",
                points=0.5,
            ),
            Rule(
                is_("tenderness_piriformis"),
                "+",
                "S23",
                "C",
                "Tenderness at the sciatic notch / piriformis suggests deep gluteal syndrome",
            ),
            Rule(
                no("tenderness_piriformis"),
                "-",
                "DEV",
                "Dev",
                "No tenderness at the sciatic notch argues against deep gluteal syndrome",
            ),
            Rule(
                is_("hip_rotation_provocation_pain"),
                "+",
                "S38",
                "C",
                "Pain on piriformis provocation suggests deep gluteal syndrome (active "
                "piriformis test LR+ 3.9)",
                points=1.36,
            ),
            Rule(
                no("hip_rotation_provocation_pain"),
                "-",
                "S38",
                "C",
                "No pain on piriformis provocation argues against deep gluteal syndrome (active "
                "piriformis test LR- about 0.28)",
                points=-1.29,
            ),
            Rule(
                AllOf(has("pain_location", "ischial_tuberosity"), no("paraesthesia_or_numbness")),
                "-",
                "S23",
                "C",
                "Pain localised at the ischial tuberosity without nerve symptoms argues against "
                "deep gluteal syndrome",
            ),
            Rule(
                is_("back_pain"),
                "-",
                "DEV",
                "Dev",
                "Back pain points to a lumbar source rather than the deep gluteal space",
                points=-0.5,
            ),
        ),
    ),
    DiagnosisTable(
        slug="lumbar_radiculopathy",
        name="Lumbar radiculopathy",
        referral="routine",
        baseline=COMMON,
        rules=(
            Rule(
                OBJECTIVE_DEFICIT,
                "++",
                "S18",
                "C",
                "An objective neurological deficit (dermatomal, myotomal or reflex change) "
                "suggests nerve root compromise",
            ),
            Rule(
                NERVE_SYMPTOMS_TO_BELOW_KNEE,
                "+",
                "S18",
                "C",
                "Leg pain below the knee with pins and needles suggests radicular pain (one "
                "finding: both describe the same nerve root)",
                points=1.5,
                group="sciatic",
            ),
            Rule(
                BELOW_KNEE,
                "+",
                "S18",
                "C",
                "Leg pain below the knee suggests radicular pain",
                group="sciatic",
            ),
            Rule(
                is_("paraesthesia_or_numbness"),
                "+",
                "S18",
                "C",
                "Pins and needles or numbness suggest nerve root involvement",
                group="sciatic",
            ),
            Rule(
                BILATERAL_LEGS,
                "+",
                "NHS-LOTHIAN",
                "C",
                "Leg symptoms in both legs point to the spine",
            ),
            Rule(
                is_("back_pain"),
                "+",
                "S18",
                "C",
                "Back pain points to a lumbar source",
                points=0.5,
            ),
            Rule(
                is_("slump_positive"),
                "+",
                "DEV",
                "Dev",
                "Positive slump test fits neural sensitivity (no accuracy data used; it counts "
                "before the less specific straight-leg raise)",
                group="neural_tension",
            ),
            Rule(
                is_("slr_positive"),
                "+",
                "S26",
                "C",
                "Positive straight-leg raise fits radiculopathy but is not specific (sens 0.91, "
                "spec 0.26, LR+ 1.2)",
                points=0.21,
                group="neural_tension",
            ),
            Rule(
                no("slr_positive"),
                "-",
                "S26",
                "C",
                "Negative straight-leg raise helps rule out radiculopathy (LR- 0.35)",
                points=-1.06,
            ),
            Rule(
                AllOf(has("pain_location", "ischial_tuberosity"), no("neuro_deficit")),
                "-",
                "S18",
                "C",
                "Pain localised at the ischial tuberosity with a normal neurological "
                "examination argues against radiculopathy",
            ),
        ),
    ),
    DiagnosisTable(
        slug="lumbar_referred_pain",
        name="Somatic referred pain from the lumbar spine",
        referral="routine",
        baseline=COMMON,
        rules=(
            Rule(
                is_("back_pain"),
                "+",
                "S18",
                "C",
                "Back pain suggests the buttock pain may be referred from the lumbar spine",
                group="back",
            ),
            Rule(
                has("pain_location", "lower_back"),
                "+",
                "S18",
                "C",
                "Lower back pain recorded with the buttock pain suggests a lumbar source",
                group="back",
            ),
            Rule(
                no("back_pain"),
                "-",
                "DEV",
                "Dev",
                "No back pain argues against referred lumbar pain",
            ),
            Rule(
                BELOW_KNEE,
                "-",
                "DEV",
                "M",
                "Somatic referred pain usually stays above the knee; pain below it points to a "
                "nerve root instead",
            ),
            Rule(
                OBJECTIVE_DEFICIT,
                "-",
                "DEV",
                "Dev",
                "An objective neurological deficit points to a nerve root rather than somatic "
                "referral",
            ),
            Rule(
                AllOf(has("pain_location", "ischial_tuberosity"), is_("single_leg_bridge_pain")),
                "-",
                "S18",
                "C",
                "Localised ischial pain that varies with hamstring load rather than spinal "
                "posture argues against a lumbar source",
            ),
        ),
    ),
    DiagnosisTable(
        slug="sacroiliac_joint_pain",
        name="Sacroiliac joint pain",
        referral="routine",
        baseline=COMMON,
        rules=(
            Rule(
                When("sij_provocation_positive_count", "at_least", 3),
                "+",
                "S25",
                "C2",
                "Three or more positive SIJ provocation tests suggest sacroiliac joint pain "
                "(Laslett cluster LR+ about 4.2)",
                points=1.44,
                group="sij_exam",
            ),
            Rule(
                When("sij_provocation_positive_count", "at_most", 2),
                "--",
                "S25",
                "C2",
                "Fewer than three positive SIJ provocation tests argue strongly against "
                "sacroiliac joint pain (LR- about 0.1)",
                points=-2.3,
                group="sij_exam",
            ),
            Rule(
                is_("tenderness_sij"),
                "+",
                "S25",
                "C2",
                "Tenderness over the sacroiliac joint / PSIS suggests sacroiliac joint pain "
                "(the provocation cluster, when done, counts instead)",
                group="sij_exam",
            ),
            Rule(
                has("pain_location", "lower_back"),
                "+",
                "S25",
                "C2",
                "Lumbar-gluteal pain fits sacroiliac joint pain",
                points=0.5,
            ),
            Rule(
                is_("morning_stiffness"),
                "+",
                "S18",
                "C",
                "Morning stiffness that eases with activity fits an inflammatory sacroiliitis "
                "(spondyloarthritis)",
                points=0.5,
            ),
            Rule(
                is_("postpartum"),
                "+",
                "DEV",
                "Dev",
                "Pelvic girdle (sacroiliac) pain is common after pregnancy",
                points=0.5,
            ),
        ),
    ),
    DiagnosisTable(
        slug="ischiofemoral_impingement",
        name="Ischiofemoral impingement",
        referral="routine",
        baseline=UNCOMMON,
        rules=(
            Rule(
                is_("long_stride_walking_test_positive"),
                "++",
                "S24",
                "C2",
                "Positive long-stride walking test suggests ischiofemoral impingement (sens "
                "0.95, spec 0.84 in one retrospective study)",
            ),
            Rule(
                no("long_stride_walking_test_positive"),
                "--",
                "S24",
                "C2",
                "Negative long-stride walking test argues against ischiofemoral impingement",
            ),
            Rule(
                is_("imaging.reduced_ischiofemoral_space"),
                "++",
                "S24",
                "C2",
                "Imaging shows a narrowed ischiofemoral space",
                group="ifi_imaging",
            ),
            Rule(
                is_("imaging.quadratus_femoris_oedema"),
                "++",
                "S24",
                "C2",
                "Imaging shows quadratus femoris oedema",
                group="ifi_imaging",
            ),
            Rule(
                AllOf(is_("sex", "female"), When("age", "at_least", 45)),
                "+",
                "S-ifi",
                "C2",
                "Study samples were mostly middle-aged or older women",
                points=0.5,
            ),
        ),
    ),
    DiagnosisTable(
        slug="ischiogluteal_bursitis",
        name="Ischiogluteal bursitis",
        referral="routine",
        baseline=UNCOMMON,
        rules=(
            Rule(
                is_("imaging.bursa_distension"),
                "++",
                "S18",
                "C",
                "Imaging shows a distended ischiogluteal bursa",
            ),
            Rule(
                is_("pain_with_sitting"),
                "+",
                "S18",
                "C",
                "Sitting pain (especially on hard seats) fits ischiogluteal bursitis",
                points=0.5,
            ),
            Rule(
                is_("tenderness_ischial_tuberosity"),
                "+",
                "S18",
                "C",
                "Tenderness over the ischial tuberosity fits ischiogluteal bursitis",
            ),
            Rule(
                no("tenderness_ischial_tuberosity"),
                "--",
                "DEV",
                "Dev",
                "No tenderness over the ischial tuberosity argues strongly against bursitis",
            ),
        ),
    ),
    DiagnosisTable(
        slug="hamstring_syndrome",
        name="Hamstring syndrome (sciatic nerve tethering at the hamstring origin)",
        referral="soon",
        baseline=UNCOMMON,
        rules=(
            Rule(
                AllOf(
                    has("pain_location", "ischial_tuberosity"),
                    has("pain_location", "posterior_thigh"),
                ),
                "+",
                "S19",
                "C",
                "Ischial pain radiating down the posterior thigh fits hamstring syndrome",
            ),
            Rule(
                is_("paraesthesia_or_numbness"),
                "+",
                "S19",
                "C",
                "Nerve symptoms suggest sciatic irritation at the hamstring origin",
            ),
            Rule(
                is_("previous_episodes"),
                "+",
                "S19",
                "C",
                "Recurrent episodes (often called hamstring 'tears') fit hamstring syndrome",
                points=0.5,
            ),
            Rule(
                AllOf(is_("pain_with_sitting"), is_("pain_running_uphill_or_speed")),
                "+",
                "S19",
                "C",
                "Pain with sitting and fast running fits hamstring syndrome",
                points=0.5,
            ),
            Rule(
                AllOf(no("paraesthesia_or_numbness"), no("pain_below_knee")),
                "-",
                "S-eipt",
                "C2",
                "No radiation or nerve symptoms argue against hamstring syndrome",
            ),
        ),
    ),
    DiagnosisTable(
        slug="proximal_hamstring_avulsion",
        name="Proximal hamstring tear / avulsion",
        referral="urgent",
        baseline=UNCOMMON,
        rules=(
            Rule(
                is_("imaging.full_avulsion"),
                "++",
                "S29",
                "C",
                "Imaging shows a full avulsion of the hamstring origin",
                points=4.0,
            ),
            Rule(
                AllOf(is_("imaging.partial_tear"), is_("onset", "sudden")),
                "+",
                "S29",
                "C",
                "Imaging shows a partial tear after a sudden onset (partial tears are also "
                "seen in pain-free people and in tendinopathy)",
            ),
            Rule(
                is_("onset", "sudden"),
                "+",
                "S29",
                "C",
                "A sudden onset (a 'pop', immediate pain) suggests a tear or avulsion",
            ),
            Rule(
                is_("onset", "gradual"),
                "--",
                "S29",
                "C",
                "A gradual onset argues strongly against an acute tear",
            ),
            Rule(
                is_("bruising"),
                "++",
                "S29",
                "C",
                "Posterior thigh bruising suggests a tear or avulsion",
            ),
            Rule(
                is_("palpable_gap"),
                "++",
                "S29",
                "C",
                "A palpable gap at the hamstring origin suggests an avulsion",
            ),
            Rule(
                IMMATURE,
                "-",
                "S28",
                "Dev",
                "Before skeletal maturity the apophysis usually fails before the tendon",
            ),
            Rule(
                APOPHYSEAL_AVULSION_ON_IMAGING,
                "--",
                "S28",
                "C",
                "Imaging shows a bony (apophyseal) avulsion rather than a tendon avulsion",
            ),
        ),
    ),
    DiagnosisTable(
        slug="ischial_apophysitis_or_avulsion",
        name="Ischial apophysitis / apophyseal avulsion (adolescent)",
        referral="soon",
        baseline=RARE,
        rules=(
            Rule(
                APOPHYSEAL_AVULSION_ON_IMAGING,
                "++",
                "S28",
                "C",
                "Imaging shows an avulsion of the ischial apophysis",
                points=4.0,
            ),
            Rule(
                AllOf(YOUNG, is_("onset", "sudden")),
                "++",
                "S28",
                "C",
                "A young patient with a sudden onset after an explosive movement suggests an "
                "apophyseal avulsion",
                group="young",
            ),
            Rule(
                YOUNG,
                "+",
                "S28",
                "C",
                "Young age: the ischial apophysis may still be open (it fuses in late adolescence)",
                group="young",
            ),
            Rule(
                When("age", "at_least", APOPHYSIS_AGE_MAX + 1),
                "--",
                "S28",
                "C",
                "A skeletally mature adult argues strongly against an apophyseal injury",
            ),
            Rule(
                is_("tenderness_ischial_tuberosity"),
                "+",
                "S28",
                "C",
                "Tenderness over the ischial tuberosity fits apophyseal injury",
            ),
        ),
    ),
    DiagnosisTable(
        slug="stress_fracture",
        name="Bone stress injury (pelvis, sacrum, femoral neck)",
        referral="soon",
        baseline=RARE,
        rules=(
            Rule(
                BONE_STRESS_ON_IMAGING,
                "++",
                "S18",
                "C",
                "Imaging shows a stress fracture or bone stress injury",
                points=4.0,
                group="bone_imaging",
            ),
            Rule(
                is_("imaging.bone_stress_excluded"),
                "--",
                "AAPMR-HIP",
                "C",
                "An MRI excluded a bone stress injury (MRI is the most sensitive test)",
                points=-4.0,
                group="bone_imaging",
            ),
            Rule(
                is_("hop_test_pain"),
                "++",
                "S18",
                "C",
                "Pain on single-leg hopping suggests a bone stress injury",
            ),
            Rule(
                no("hop_test_pain"),
                "-",
                "DEV",
                "Dev",
                "A pain-free single-leg hop argues against a bone stress injury",
            ),
            Rule(
                is_("imaging.bone_marrow_oedema"),
                "+",
                "S18",
                "C",
                "Bone marrow oedema on imaging fits bone stress (also seen at the ischium in "
                "tendinopathy)",
            ),
            Rule(
                AllOf(is_("onset", "gradual"), is_("recent_training_load_change")),
                "+",
                "S18",
                "C",
                "Gradual onset after a rise in training load fits a bone stress injury",
            ),
            Rule(
                AllOf(GROIN, BONE_STRESS_CONTEXT),
                "+",
                "AAPMR-HIP",
                "C",
                "Groin or front-of-hip pain with loading in a bone-stress context fits a "
                "femoral neck bone stress injury",
            ),
            Rule(
                AnyOf(
                    is_("amenorrhoea_or_red_s_risk"),
                    is_("previous_bone_stress_injury"),
                    is_("postpartum"),
                ),
                "+",
                "AAPMR-HIP",
                "M",
                "A risk factor for bone stress injury is recorded (low energy availability, a "
                "previous stress fracture, or the months after pregnancy)",
            ),
        ),
    ),
    DiagnosisTable(
        slug="malignancy_or_infection",
        name="Serious pathology: tumour or infection",
        referral="urgent",
        baseline=RARE_SERIOUS,
        rules=(
            Rule(
                is_("cancer_history"),
                "++",
                "DOWNIE-2013",
                "C",
                "A history of cancer raises the possibility of metastasis (the one red flag "
                "with useful accuracy for spinal malignancy)",
            ),
            Rule(
                is_("weight_loss_unexplained"),
                "+",
                "S27",
                "C",
                "Unexplained weight loss suggests serious pathology",
            ),
            Rule(
                FEVER,
                "++",
                "S27",
                "C",
                "Fever or feeling systemically unwell suggests infection",
            ),
            Rule(
                is_("night_pain"),
                "+",
                "S27",
                "C",
                "Night pain is a red-flag feature when unremitting (it is also seen in an "
                "irritable tendon)",
                points=0.5,
            ),
            Rule(
                When("age", "above", RISK_AGE_OLDER),
                "+",
                "S27",
                "C",
                "New pain over age 55 raises the possibility of serious pathology",
                points=0.5,
            ),
            Rule(
                is_("immunosuppressed"),
                "+",
                "S27",
                "C",
                "Immunosuppression, injecting drug use or steroids raise the risk of infection",
                points=0.5,
            ),
        ),
    ),
    DiagnosisTable(
        slug="cauda_equina",
        name="Cauda equina syndrome",
        referral="emergency",
        baseline=RARE_SERIOUS,
        rules=(
            Rule(
                is_("saddle_anaesthesia"),
                "++",
                "S27",
                "C",
                "Saddle numbness suggests cauda equina compression",
                points=4.0,
            ),
            Rule(
                is_("bladder_bowel_change"),
                "++",
                "S27",
                "C",
                "New bladder or bowel change suggests cauda equina compression",
                points=4.0,
            ),
            Rule(
                is_("sexual_dysfunction_new"),
                "++",
                "NHS-LOTHIAN",
                "C",
                "New sexual dysfunction suggests cauda equina compression",
                points=3.0,
            ),
            Rule(
                is_("neuro_deficit_extent", "bilateral"),
                "++",
                "NHS-LOTHIAN",
                "C",
                "A neurological deficit in both legs is a cauda equina warning sign",
                points=3.0,
            ),
            Rule(
                BILATERAL_LEGS,
                "+",
                "NHS-LOTHIAN",
                "C",
                "Leg symptoms in both legs are a cauda equina warning sign",
            ),
        ),
    ),
)

# Ties are broken by this order: serious pathology first so a tie never hides it.
CLINICAL_PRIORITY: tuple[str, ...] = (
    "cauda_equina",
    "malignancy_or_infection",
    "proximal_hamstring_avulsion",
    "stress_fracture",
    "ischial_apophysitis_or_avulsion",
    "proximal_hamstring_tendinopathy",
    "lumbar_radiculopathy",
    "deep_gluteal_syndrome",
    "hamstring_syndrome",
    "lumbar_referred_pain",
    "sacroiliac_joint_pain",
    "ischiogluteal_bursitis",
    "ischiofemoral_impingement",
)
PRIORITY: dict[str, int] = {slug: index for index, slug in enumerate(CLINICAL_PRIORITY)}
PHT = "proximal_hamstring_tendinopathy"
PHT_INDEX = next(t for t, table in enumerate(TABLES) if table.slug == PHT)
NAMES: dict[str, str] = {table.slug: table.name for table in TABLES}


@dataclass(frozen=True)
class Reason:
    finding: str  # the finding key(s), joined with " + " when a rule reads several
    direction: Literal["raises", "lowers"]
    strength: Strength
    text: str
    source: str
    citation: str
    evidence: Evidence
    points: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "direction": self.direction,
            "strength": self.strength,
            "text": self.text,
            "source": self.source,
            "citation": self.citation,
            "evidence": self.evidence,
            "points": self.points,
        }


@dataclass(frozen=True)
class Differential:
    slug: str
    name: str
    score: float
    level: Level
    reasons: tuple[Reason, ...]
    referral: Referral
    rule_out_first: bool = False  # an urgent or emergency red flag points to it
    flag_urgency: str | None = None  # the most urgent open flag that points to it

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "score": self.score,
            "level": self.level,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "referral": self.referral,
            "rule_out_first": self.rule_out_first,
            "flag_urgency": self.flag_urgency,
        }


def level_for(score: float, *, exam: bool = True) -> Level:
    """The level for a score; without an examination finding, at most "possible"."""
    if score >= LIKELY_MIN and exam:
        return "likely"
    if score >= POSSIBLE_MIN:
        return "possible"
    return "unlikely"


def rank_key(
    slug: str, score: float, level: str, rule_out_first: bool, urgency: str | None = None
) -> tuple[int, int, int, float, int, str]:
    """Rule out first (the most urgent flag first), then level, score, clinical priority."""
    urgent_first = URGENCY_RANK.get(urgency, len(URGENCY_RANK)) if rule_out_first else 0
    return (
        0 if rule_out_first else 1,
        urgent_first,
        LEVEL_RANK[level],
        -score,
        PRIORITY[slug],
        slug,
    )


def _reason(rule: Rule) -> Reason:
    note = EVIDENCE_NOTE[rule.evidence]
    text = f"{rule.text} ({note})" if note and rule.evidence in ("M", "Dev") else rule.text
    return Reason(
        finding=" + ".join(rule.when.keys),
        direction=rule.direction,
        strength=rule.strength,
        text=text,
        source=rule.source,
        citation=SOURCES[rule.source],
        evidence=rule.evidence,
        points=rule.value,
    )


_URGENCY_WORDS = {"emergency": "an emergency", "urgent": "an urgent", "soon": "a"}


def _flag_reason(urgency: str) -> Reason:
    return Reason(
        finding="red flag",
        direction="raises",
        strength="++",
        text=f"Kept at least 'possible' because {_URGENCY_WORDS[urgency]} red flag points to "
        "it (see the red flags above): serious pathology is never ranked away"
        + (" and it is ruled out first" if urgency in OPEN_URGENCIES else ""),
        source="DEV",
        citation=SOURCES["DEV"],
        evidence="Dev",
        points=0.0,
    )


type Fired = tuple[tuple[Rule | None, ...], ...]
# One unit's rules in order, each with its compiled test: the first whose test holds fires.
type CompiledUnit = tuple[tuple[Callable[[Flat], bool], Rule], ...]

# Precomputed at import (read-only afterwards): the compiled test of each rule, unit by unit,
# and the reason each rule gives. Both depend only on the tables, so evaluate() stays pure.
_COMPILED: tuple[tuple[CompiledUnit, ...], ...] = tuple(
    tuple(tuple((rule.when._test, rule) for rule in unit) for unit in table.units)
    for table in TABLES
)
_REASONS: Mapping[int, Reason] = MappingProxyType(
    {id(rule): _reason(rule) for table in TABLES for rule in table.rules}
)


_DYNAMIC: frozenset[int] = frozenset(
    id(rule) for table in TABLES for rule in table.rules if has_any(rule.when)
)


def _reason_for(rule: Rule, flat: Mapping[str, Any]) -> Reason:
    """The rule's reason, naming only the findings that actually raised it."""
    reason = _REASONS[id(rule)]
    if id(rule) in _DYNAMIC:
        return replace(reason, finding=" + ".join(raised_by(rule.when, flat)))
    return reason


def fire(flat: Mapping[str, Any]) -> Fired:
    """For each table (in ``TABLES`` order), the rule that fired in each unit, or None."""
    fired = []
    for units in _COMPILED:
        row = []
        for unit in units:
            hit = None
            for test, rule in unit:
                if test(flat):
                    hit = rule
                    break
            row.append(hit)
        fired.append(tuple(row))
    return tuple(fired)


def raw_score(table: DiagnosisTable, fired_units: tuple[Rule | None, ...]) -> float:
    return table.baseline + sum(rule.value for rule in fired_units if rule is not None)


def exam_supported(fired_units: tuple[Rule | None, ...]) -> bool:
    """Whether an examination or imaging finding raises the diagnosis."""
    return any(
        rule is not None and rule.value > 0 and rule.from_examination for rule in fired_units
    )


def pht_prior(fired: Fired) -> tuple[float, bool]:
    """PHT's points without the stretch tests, and whether an examination finding supports it.

    ``probability.py`` turns these into the pre-test tier.
    """
    units = [rule for rule in fired[PHT_INDEX] if rule is None or rule.group != PROVOCATION]
    return raw_score(TABLES[PHT_INDEX], tuple(units)), exam_supported(tuple(units))


def score_all(
    flat: Mapping[str, Any],
    fired: Fired | None = None,
    *,
    flag_urgencies: Mapping[str, str] | None = None,
    pht_level: Level | None = None,
) -> tuple[Differential, ...]:
    """Every diagnosis scored from the flat findings, ranked best first.

    ``flag_urgencies`` maps a diagnosis to the most urgent open red flag pointing to it
    (``red_flags.diagnosis_urgencies``); ``pht_level`` is PHT's level from its probability.
    """
    if fired is None:
        fired = fire(flat)
    flag_urgencies = flag_urgencies or {}
    results = []
    for table, fired_units in zip(TABLES, fired, strict=True):
        score = round(raw_score(table, fired_units), 2)
        reasons = [_reason_for(rule, flat) for rule in fired_units if rule is not None]
        if table.slug == PHT and pht_level is not None:
            level: Level = pht_level
        else:
            level = level_for(score, exam=exam_supported(fired_units))
        urgency = flag_urgencies.get(table.slug)
        if urgency is not None and level == "unlikely":
            level = "possible"
            reasons.append(_flag_reason(urgency))
        elif urgency in OPEN_URGENCIES:
            reasons.append(_flag_reason(urgency))
        results.append(
            Differential(
                table.slug,
                table.name,
                score,
                level,
                tuple(reasons),
                table.referral,
                rule_out_first=urgency in OPEN_URGENCIES,
                flag_urgency=urgency,
            )
        )
    results.sort(key=lambda d: rank_key(d.slug, d.score, d.level, d.rule_out_first, d.flag_urgency))
    return tuple(results)


def headline(differentials: tuple[Differential, ...]) -> Differential | None:
    """The first-ranked diagnosis, or None when nothing reaches "possible"."""
    first = differentials[0]
    return None if first.level == "unlikely" else first
