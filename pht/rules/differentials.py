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
(``points=``), e.g. a positive modified bent-knee stretch adds ln(10.2) = 2.32. Adding logs of
likelihood ratios is Bayes' rule on the odds scale, which is valid only for independent
findings, so **correlated findings share a group**: within a group only the first rule that
holds counts (the table order is the priority). The three provocation tests form one group
(MBK > BK > PO, positives before negatives), which also makes a positive test unable to lower
PHT's score.

**Levels.** ``likely`` at ``LIKELY_MIN`` points or more, ``possible`` at ``POSSIBLE_MIN`` or
more, otherwise ``unlikely``. The points are not probabilities; they only rank.

**Serious pathology floor.** A serious diagnosis whose red-flag triggers hold (see
``red_flags.RED_FLAG_RULES``) is raised to at least ``POSSIBLE_MIN`` whatever else is
recorded, with a reason saying so.

**Ranking.** Score (high first), then ``CLINICAL_PRIORITY`` (serious pathology first, so a tie
never hides it), then slug.

**Absent findings** never satisfy a condition (``predicates.py``), so an unexamined test moves
nothing; ``next_tests.py`` suggests it instead.

To add a rule: add a ``Rule`` row to the diagnosis table with its condition, strength, source
key (``sources.py``), evidence status and plain-words text; bump ``RULES_VERSION`` and the
pinned hash in ``tests/rules/test_version.py``; add a case to ``tests/rules/cases.py``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from pht.rules.predicates import AllOf, Condition, When
from pht.rules.red_flags import (
    APOPHYSIS_AGE_MAX,
    APOPHYSIS_AGE_MIN,
    APOPHYSITIS_TENDERNESS_AGE_MAX,
    RED_FLAG_RULES,
)
from pht.rules.sources import EVIDENCE_NOTE, SOURCES, Evidence

type Strength = Literal["++", "+", "-", "--"]
type Level = Literal["likely", "possible", "unlikely"]
type Referral = Literal["emergency", "urgent", "soon", "routine"]

STRENGTH_POINTS: dict[str, float] = {"++": 2.0, "+": 1.0, "-": -1.0, "--": -2.0}

# [Dev] Level thresholds. With baselines of 0 to -3, "likely" needs a typical history plus a
# supporting examination finding (or several strong findings) net of what lowers it, so a
# typical history with negative provocation tests stays "possible"; "possible" needs about
# one strong finding.
LIKELY_MIN = 5.0
POSSIBLE_MIN = 1.0

# Baselines [Dev]: a judgement of how often each condition is seen in a buttock-pain clinic.
COMMON = 0.0
UNCOMMON = -1.0
RARE = -2.0
RARE_SERIOUS = -3.0


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


@dataclass(frozen=True)
class DiagnosisTable:
    slug: str
    name: str
    referral: Referral
    baseline: float
    rules: tuple[Rule, ...]
    # Units: a group's rules together, or one ungrouped rule. Derived, so kept out of repr.
    units: tuple[tuple[Rule, ...], ...] = field(init=False, repr=False, compare=False)
    floor_triggers: tuple[Condition, ...] = field(init=False, repr=False, compare=False)

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
        triggers = tuple(
            trigger
            for flag in RED_FLAG_RULES
            if flag.diagnosis == self.slug
            for trigger in flag.triggers
        )
        object.__setattr__(self, "floor_triggers", triggers)

    @property
    def keys(self) -> frozenset[str]:
        """Every finding key this diagnosis reads (rules and floor)."""
        conditions = [rule.when for rule in self.rules] + list(self.floor_triggers)
        return frozenset(key for condition in conditions for key in condition.keys)


def is_(key: str, value: Any = True) -> When:
    return When(key, "is", value)


def no(key: str) -> When:
    return When(key, "is", False)


def has(key: str, item: str) -> When:
    return When(key, "has", item)


PROVOCATION = "provocation_tests"

TABLES: tuple[DiagnosisTable, ...] = (
    DiagnosisTable(
        slug="proximal_hamstring_tendinopathy",
        name="Proximal hamstring tendinopathy",
        referral="routine",
        baseline=COMMON,
        rules=(
            Rule(
                AllOf(is_("onset", "gradual"), is_("recent_training_load_change")),
                "++",
                "S17",
                "C2",
                "Gradual onset after a change in training load suggests tendinopathy",
                group="onset",
            ),
            Rule(
                is_("onset", "gradual"),
                "+",
                "S17",
                "C2",
                "Gradual onset without a specific injury fits tendinopathy",
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
                has("pain_location", "ischial_tuberosity"),
                "++",
                "S17",
                "C2",
                "Pain localised at the ischial tuberosity suggests tendinopathy",
            ),
            Rule(
                When("pain_location", "lacks", "ischial_tuberosity"),
                "-",
                "DEV",
                "Dev",
                "Pain recorded away from the ischial tuberosity argues against tendinopathy",
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
            ),
            Rule(
                AllOf(is_("pain_warms_up_with_activity"), is_("pain_worse_after_activity")),
                "+",
                "S17",
                "C2",
                "Pain that warms up with activity but is worse afterwards fits tendinopathy",
            ),
            Rule(
                is_("tenderness_ischial_tuberosity"),
                "+",
                "S3",
                "M",
                "Tenderness at the ischial tuberosity supports tendinopathy but is not specific "
                "(bursa, avulsion and nerve lie close by)",
            ),
            Rule(
                no("tenderness_ischial_tuberosity"),
                "-",
                "S3",
                "C2",
                "No tenderness at the ischial tuberosity argues against tendinopathy (it was "
                "part of the reference standard in Cacchio 2012)",
            ),
            Rule(
                is_("single_leg_bridge_pain"),
                "+",
                "S30",
                "C",
                "Pain on a single-leg bridge (tendon load test) fits tendinopathy; no accuracy "
                "data",
            ),
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
                is_("bent_knee_stretch", "positive"),
                "++",
                "S2",
                "C",
                "Positive bent-knee stretch suggests tendinopathy (LR+ 6.5)",
                points=1.87,
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
                is_("modified_bent_knee_stretch", "negative"),
                "--",
                "S2",
                "C",
                "Negative modified bent-knee stretch argues against tendinopathy (LR- 0.12)",
                points=-2.12,
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
                is_("puranen_orava", "negative"),
                "-",
                "S2",
                "C",
                "Negative Puranen-Orava test argues against tendinopathy (LR- 0.29)",
                points=-1.24,
                group=PROVOCATION,
            ),
            Rule(
                is_("imaging.tendon_thickening"),
                "+",
                "S33",
                "C",
                "Imaging shows tendon thickening at the hamstring origin; such changes are "
                "also common in pain-free people",
            ),
            Rule(
                is_("pain_below_knee"),
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
                has("pain_location", "below_knee"),
                "-",
                "DEV",
                "Dev",
                "Pain below the knee points to a nerve or spinal source rather than the tendon",
                group="neural",
            ),
            Rule(
                is_("imaging.full_avulsion"),
                "-",
                "DEV",
                "Dev",
                "An avulsion on imaging explains the pain better than tendinopathy",
            ),
            Rule(
                When("age", "at_most", APOPHYSITIS_TENDERNESS_AGE_MAX),
                "-",
                "S28",
                "Dev",
                "Before skeletal maturity the apophysis, not the tendon, is usually the weak link",
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
                is_("paraesthesia_or_numbness"),
                "+",
                "S23",
                "C",
                "Pins and needles or numbness suggest sciatic nerve involvement",
            ),
            Rule(
                is_("pain_below_knee"),
                "+",
                "S23",
                "C",
                "Sciatic-type pain radiating below the knee fits deep gluteal syndrome",
                group="below_knee",
            ),
            Rule(
                has("pain_location", "below_knee"),
                "+",
                "S23",
                "C",
                "Sciatic-type pain radiating below the knee fits deep gluteal syndrome",
                group="below_knee",
            ),
            Rule(
                When("sitting_tolerance_min", "at_most", 30),
                "+",
                "S23",
                "C",
                "Sitting intolerance (30 minutes or less) is common in deep gluteal syndrome",
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
        ),
    ),
    DiagnosisTable(
        slug="lumbar_radiculopathy",
        name="Lumbar radiculopathy",
        referral="routine",
        baseline=COMMON,
        rules=(
            Rule(
                is_("neuro_deficit"),
                "++",
                "S18",
                "C",
                "An objective neurological deficit (dermatomal, myotomal or reflex change) "
                "suggests nerve root compromise",
            ),
            Rule(
                is_("pain_below_knee"),
                "+",
                "S18",
                "C",
                "Leg pain below the knee suggests radicular pain",
                group="below_knee",
            ),
            Rule(
                has("pain_location", "below_knee"),
                "+",
                "S18",
                "C",
                "Leg pain below the knee suggests radicular pain",
                group="below_knee",
            ),
            Rule(
                is_("paraesthesia_or_numbness"),
                "+",
                "S18",
                "C",
                "Pins and needles or numbness suggest nerve root involvement",
            ),
            Rule(
                is_("back_pain"),
                "+",
                "S18",
                "C",
                "Back pain points to a lumbar source",
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
                is_("slump_positive"),
                "+",
                "DEV",
                "Dev",
                "Positive slump test fits neural sensitivity (no accuracy data used)",
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
                "++",
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
                is_("pain_below_knee"),
                "-",
                "DEV",
                "M",
                "Somatic referred pain usually stays above the knee; pain below it points to a "
                "nerve root instead",
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
            ),
            Rule(
                When("sij_provocation_positive_count", "at_most", 2),
                "--",
                "S25",
                "C2",
                "Fewer than three positive SIJ provocation tests argue strongly against "
                "sacroiliac joint pain (LR- about 0.1)",
                points=-2.3,
            ),
            Rule(
                is_("tenderness_sij"),
                "+",
                "S25",
                "C2",
                "Pain and tenderness over the sacroiliac joint / PSIS suggest sacroiliac joint "
                "pain",
            ),
            Rule(
                has("pain_location", "lower_back"),
                "+",
                "S25",
                "C2",
                "Lumbar-gluteal pain fits sacroiliac joint pain",
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
            ),
            Rule(
                AllOf(is_("pain_with_sitting"), is_("pain_running_uphill_or_speed")),
                "+",
                "S19",
                "C",
                "Pain with sitting and fast running fits hamstring syndrome",
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
                is_("imaging.partial_tear"),
                "+",
                "S29",
                "C",
                "Imaging shows a partial tear (partial tears are also seen in pain-free people)",
            ),
            Rule(
                is_("onset", "sudden"),
                "++",
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
                When("age", "at_most", APOPHYSITIS_TENDERNESS_AGE_MAX),
                "-",
                "S28",
                "Dev",
                "Before skeletal maturity the apophysis usually fails before the tendon",
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
                AllOf(
                    When("age", "between", (APOPHYSIS_AGE_MIN, APOPHYSIS_AGE_MAX)),
                    is_("onset", "sudden"),
                ),
                "++",
                "S28",
                "C",
                "A young patient with a sudden onset after an explosive movement suggests an "
                "apophyseal avulsion",
                group="young",
            ),
            Rule(
                When("age", "between", (APOPHYSIS_AGE_MIN, APOPHYSIS_AGE_MAX)),
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
                is_("imaging.stress_fracture"),
                "++",
                "S18",
                "C",
                "Imaging shows a stress fracture",
                points=4.0,
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
                is_("amenorrhoea_or_red_s_risk"),
                "+",
                "S18",
                "M",
                "Menstrual disturbance, low energy availability or low bone density raise bone "
                "stress risk",
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
                "S27",
                "C",
                "A history of cancer raises the possibility of metastasis",
            ),
            Rule(
                is_("weight_loss_unexplained"),
                "++",
                "S27",
                "C",
                "Unexplained weight loss suggests serious pathology",
            ),
            Rule(
                is_("fever"),
                "++",
                "S27",
                "C",
                "Fever or feeling unwell suggests infection",
            ),
            Rule(
                is_("night_pain"),
                "+",
                "S27",
                "C",
                "Night pain is a red-flag feature when unremitting (it is also seen in an "
                "irritable tendon)",
            ),
            Rule(
                When("age", "at_least", 56),
                "+",
                "S27",
                "C",
                "New pain over age 55 raises the possibility of serious pathology",
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
                AllOf(is_("side", "bilateral"), is_("pain_below_knee")),
                "+",
                "S27",
                "C",
                "Bilateral leg symptoms are a cauda equina warning sign",
            ),
            Rule(
                is_("neuro_deficit"),
                "+",
                "S27",
                "C",
                "An objective neurological deficit is a warning sign if it is progressive",
            ),
        ),
    ),
)

TABLE_BY_SLUG: dict[str, DiagnosisTable] = {table.slug: table for table in TABLES}

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

SERIOUS: frozenset[str] = frozenset(
    flag.diagnosis for flag in RED_FLAG_RULES if flag.diagnosis is not None
)


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "score": self.score,
            "level": self.level,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "referral": self.referral,
        }


def level_for(score: float) -> Level:
    if score >= LIKELY_MIN:
        return "likely"
    if score >= POSSIBLE_MIN:
        return "possible"
    return "unlikely"


def unit_points(unit: tuple[Rule, ...], flat: Mapping[str, Any]) -> float:
    """Points from one unit: the first rule of a group that holds, or 0."""
    for rule in unit:
        if rule.when.holds(flat):
            return rule.value
    return 0.0


def floored(table: DiagnosisTable, raw: float, flat: Mapping[str, Any]) -> float:
    """The score after the serious-pathology floor, rounded to 2 places for stable output."""
    score = round(raw, 2)
    if score < POSSIBLE_MIN:
        for trigger in table.floor_triggers:
            if trigger._test(flat):
                return POSSIBLE_MIN
    return score


def rank_key(slug: str, score: float) -> tuple[float, int, str]:
    return (-score, PRIORITY[slug], slug)


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


def _floor_reason(table: DiagnosisTable, flat: Mapping[str, Any]) -> Reason:
    fired = [trigger for trigger in table.floor_triggers if trigger.holds(flat)]
    keys = dict.fromkeys(key for trigger in fired for key in trigger.keys)
    return Reason(
        finding=" + ".join(keys),
        direction="raises",
        strength="++",
        text="Kept at least 'possible' because its red-flag findings are present: "
        + "; ".join(trigger.describe() for trigger in fired)
        + f" ({EVIDENCE_NOTE['Dev']}: serious pathology is never ranked away)",
        source="DEV",
        citation=SOURCES["DEV"],
        evidence="Dev",
        points=0.0,
    )


type Fired = tuple[tuple[Rule | None, ...], ...]

# Precomputed at import (read-only afterwards): the compiled test of each rule, unit by unit,
# and the reason each rule gives. Both depend only on the tables, so evaluate() stays pure.
_COMPILED: tuple[tuple[tuple[tuple[Any, Rule], ...], ...], ...] = tuple(
    tuple(tuple((rule.when._test, rule) for rule in unit) for unit in table.units)
    for table in TABLES
)
_REASONS: Mapping[int, Reason] = MappingProxyType(
    {id(rule): _reason(rule) for table in TABLES for rule in table.rules}
)


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


def score_all(flat: Mapping[str, Any], fired: Fired | None = None) -> tuple[Differential, ...]:
    """Every diagnosis scored from the flat findings, ranked best first."""
    if fired is None:
        fired = fire(flat)
    results = []
    for table, fired_units in zip(TABLES, fired, strict=True):
        raw = raw_score(table, fired_units)
        reasons = [_REASONS[id(rule)] for rule in fired_units if rule is not None]
        score = floored(table, raw, flat)
        if score != round(raw, 2):
            reasons.append(_floor_reason(table, flat))
        results.append(
            Differential(
                table.slug, table.name, score, level_for(score), tuple(reasons), table.referral
            )
        )
    results.sort(key=lambda d: rank_key(d.slug, d.score))
    return tuple(results)
