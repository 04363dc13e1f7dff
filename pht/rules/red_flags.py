"""Red flags, graded by severity and site, and kept apart from risk factors.

One urgency for every flag breeds alert fatigue (an urgent flag blocks sign-off until an action
is recorded), so each flag is graded by what its findings mean:

- ``emergency``: same day (emergency department, on-call spinal team);
- ``urgent``: medical or surgical review within days;
- ``soon``: within about two weeks (imaging, specialist review).

Vocabulary: a ``RedFlagRule`` has a slug, a short title and **grades**, most urgent first. Each
grade has a condition, an urgency, a message, an action and the diagnosis it points to. The
flag is raised at the first grade whose condition holds, unless that grade is **retired** by a
decisive negative (``unless``: a normal MRI retires a bone-stress suspicion; a screening
question answered "no" retires its trigger because an absent key never satisfies a condition).
**Hard** flags (cauda equina signs) have no ``unless`` and are never suppressed: flags are
computed only from their own findings, so nothing else recorded can lower them.

A flag may list the screening questions it needs answered (``asks``): the ones not yet asked are
named in the flag and go first in the next questions. ``superseded_by`` drops a flag when a more
urgent flag about the same structure is raised (the emergency cauda equina flag replaces the
"suspected" one).

Risk factors (low energy availability, post-partum state, a previous stress fracture, age,
night pain, immunosuppression) are not flags: ``RISK_FACTORS`` raise the matching diagnosis
with a "consider" and the reason, and never block sign-off.

Sources (urgency by severity and site), copied with their sources into
``docs/rules.md`` (NHS Lothian red flags; GIRFT suspected cauda equina pathway; AAPM&R stress
fracture of the hip; Ferlic et al. 2014; Downie et al. 2013; Finucane et al. 2020).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pht.rules.findings import label
from pht.rules.predicates import AllOf, AnyOf, Condition, When, raised_by
from pht.rules.sources import Evidence, cite_with_evidence

type Urgency = Literal["emergency", "urgent", "soon"]

URGENCY_ORDER: tuple[Urgency, ...] = ("emergency", "urgent", "soon")
# Keyed by str | None: rank_key looks up a diagnosis without a flag (None), which is absent.
URGENCY_RANK: dict[str | None, int] = {urgency: rank for rank, urgency in enumerate(URGENCY_ORDER)}
#: Urgencies that need an action recorded before sign-off and block a rehab proposal.
OPEN_URGENCIES: frozenset[str] = frozenset({"emergency", "urgent"})

# [Dev] The sources give the ischial apophysis age as ~13-25 (it fuses in late adolescence).
# The lower bound is widened to 10 so an early-maturing child is not missed: a missed
# apophyseal avulsion costs more than one pelvic X-ray.
APOPHYSIS_AGE_MIN = 10
APOPHYSIS_AGE_MAX = 25
# [Dev] Up to this age the apophysis is still open in most people, so ischial tenderness alone
# (without a sudden event) is enough to consider apophysitis, and a sudden event with bruising
# is read as a possible apophyseal (bony) avulsion before a tendon avulsion.
SKELETALLY_IMMATURE_MAX_AGE = 18
# Ferlic et al. 2014: early fixation considered in active patients displaced over 15 mm.
APOPHYSIS_DISPLACEMENT_MM = 15
# NHS Lothian: foot drop is dorsiflexion of grade 3 or less (Oxford scale); major motor
# weakness is read the same way for any key muscle.
MAJOR_MOTOR_GRADE_MAX = 3
# [Dev] Fever with pain is a same-day emergency unless the pain is known to be long-standing:
# six weeks or more, the usual edge of acute musculoskeletal pain. A missing duration does not
# lower the urgency (absent is not "no"). A sudden onset, a child or adolescent, a temperature
# of 39 C or more, or immunosuppression make it an emergency whatever the duration.
ACUTE_PAIN_MAX_WEEKS = 6
FEVER_C = 38.0
HIGH_FEVER_C = 39.0
ADULT_AGE = 18
# [Dev] Unexplained weight loss from this age, or with night pain, is read as urgent.
WEIGHT_LOSS_URGENT_AGE = 50

CES_QUESTIONS: tuple[str, ...] = (
    "saddle_anaesthesia",
    "bladder_bowel_change",
    "sexual_dysfunction_new",
)
# The two questions every suspected cauda equina needs answered before it is read as a
# (bilateral) radiculopathy.
CES_CORE_QUESTIONS: tuple[str, ...] = ("saddle_anaesthesia", "bladder_bowel_change")

FEVER = AnyOf(When("fever", "is", True), When("temperature_c", "at_least", FEVER_C))
ACUTE = AnyOf(When("onset", "is", "sudden"), When("duration_weeks", "below", ACUTE_PAIN_MAX_WEEKS))
BILATERAL_LEGS = AnyOf(
    When("bilateral_leg_symptoms", "is", True),
    AllOf(When("side", "is", "bilateral"), When("pain_below_knee", "is", True)),
    AllOf(When("side", "is", "bilateral"), When("pain_location", "has", "below_knee")),
)
CES_SIGN = AnyOf(
    When("saddle_anaesthesia", "is", True),
    When("bladder_bowel_change", "is", True),
    When("sexual_dysfunction_new", "is", True),
    When("neuro_deficit_extent", "is", "bilateral"),
)
CES_CORE_UNASKED = AnyOf(*(When(key, "absent") for key in CES_CORE_QUESTIONS))
MAJOR_DEFICIT = AnyOf(
    When("neuro_deficit_progressive", "is", True),
    When("foot_drop", "is", True),
    When("motor_grade_weakest", "at_most", MAJOR_MOTOR_GRADE_MAX),
    When("neuro_deficit_extent", "is", "multiple_roots"),
)
GROIN = AnyOf(
    When("groin_pain_on_loading", "is", True),
    When("pain_location", "has", "groin"),
)
BONE_STRESS_CONTEXT = AnyOf(
    When("recent_training_load_change", "is", True),
    When("amenorrhoea_or_red_s_risk", "is", True),
    When("previous_bone_stress_injury", "is", True),
    When("postpartum", "is", True),
    When("hop_test_pain", "is", True),
    When("pain_running_uphill_or_speed", "is", True),
    When("imaging.stress_fracture", "is", True),
)
FEMORAL_NECK_SITES = ("femoral_neck_tension", "femoral_neck_compression", "femoral_neck")
LOW_RISK_SITES = ("sacrum", "pubic_ramus", "ischium", "other")
BONE_STRESS_EXCLUDED = When("imaging.bone_stress_excluded", "is", True)
IMMATURE = When("age", "between", (APOPHYSIS_AGE_MIN, SKELETALLY_IMMATURE_MAX_AGE))
MATURE_OR_UNKNOWN = AnyOf(When("age", "above", SKELETALLY_IMMATURE_MAX_AGE), When("age", "absent"))


@dataclass(frozen=True)
class Grade:
    urgency: Urgency
    when: Condition
    message: str
    action: str
    diagnosis: str | None
    unless: Condition | None = None  # a decisive negative that retires this grade


@dataclass(frozen=True)
class RedFlagRule:
    slug: str
    title: str
    grades: tuple[Grade, ...]
    sources: tuple[str, ...]
    evidence: Evidence
    hard: bool = False
    asks: tuple[str, ...] = ()
    superseded_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.hard and any(grade.unless is not None for grade in self.grades):
            raise ValueError(f"{self.slug}: a hard red flag is never retired")


STOP_REHAB = "Do not start or continue rehabilitation until this has been assessed."

RED_FLAG_RULES: tuple[RedFlagRule, ...] = (
    RedFlagRule(
        slug="cauda_equina",
        title="Possible cauda equina syndrome",
        grades=(
            Grade(
                "emergency",
                CES_SIGN,
                "Saddle numbness, new bladder, bowel or sexual change, or a neurological "
                "deficit in both legs: possible cauda equina syndrome.",
                "Same-day emergency referral (emergency department or on-call spinal team) for "
                "an MRI within hours. " + STOP_REHAB,
                "cauda_equina",
            ),
        ),
        sources=("NHS-LOTHIAN", "GIRFT-CES", "S27"),
        evidence="C",
        hard=True,
    ),
    RedFlagRule(
        slug="suspected_cauda_equina",
        title="Leg symptoms in both legs: suspected cauda equina",
        grades=(
            Grade(
                "urgent",
                AllOf(BILATERAL_LEGS, CES_CORE_UNASKED),
                "Leg symptoms in both legs (bilateral sciatica) suggest possible cauda equina "
                "compression until shown otherwise.",
                "Ask the cauda equina questions now: if any answer is yes, refer the same day "
                "as an emergency. " + STOP_REHAB,
                "cauda_equina",
            ),
            Grade(
                "urgent",
                BILATERAL_LEGS,
                "Leg symptoms in both legs (bilateral sciatica) although the cauda equina "
                "questions were answered no: bilateral nerve root compression is possible.",
                "Urgent spinal opinion and MRI within days. Give written advice to go to the "
                "emergency department at once if numbness between the legs or any bladder, "
                "bowel or sexual change appears.",
                "lumbar_radiculopathy",
            ),
        ),
        sources=("NHS-LOTHIAN", "GIRFT-CES"),
        evidence="C",
        hard=True,
        asks=CES_QUESTIONS,
        superseded_by=("cauda_equina",),
    ),
    RedFlagRule(
        slug="severe_neurological_deficit",
        title="Progressive or major neurological deficit",
        grades=(
            Grade(
                "urgent",
                MAJOR_DEFICIT,
                "A progressive or major motor deficit (power 3/5 or less, foot drop, or "
                "several nerve roots) is recorded.",
                "Early spinal surgical opinion within days; recheck power, reflexes and "
                "sensation at every visit. Refer the same day if it spreads to both legs or "
                "bladder or bowel symptoms appear.",
                "lumbar_radiculopathy",
            ),
        ),
        sources=("NHS-LOTHIAN", "S27"),
        evidence="C",
        hard=True,
        superseded_by=("cauda_equina",),
    ),
    RedFlagRule(
        slug="suspected_infection",
        title="Possible infection",
        grades=(
            Grade(
                "emergency",
                AllOf(
                    FEVER,
                    AnyOf(
                        When("onset", "is", "sudden"),
                        When("immunosuppressed", "is", True),
                        When("age", "below", ADULT_AGE),
                        When("temperature_c", "at_least", HIGH_FEVER_C),
                    ),
                ),
                "Fever with a sudden onset of pain, a high temperature, in a child or "
                "adolescent, or in an immunosuppressed patient: possible septic joint, bone or "
                "pelvic infection.",
                "Same-day medical assessment (emergency department or on-call team) for blood "
                "tests and imaging. " + STOP_REHAB,
                "malignancy_or_infection",
            ),
            Grade(
                "emergency",
                FEVER,
                "Fever with pain that is not known to be long-standing: possible septic joint, "
                "bone or pelvic infection.",
                "Same-day medical assessment (emergency department or on-call team) for blood "
                "tests and imaging. " + STOP_REHAB,
                "malignancy_or_infection",
                unless=When("duration_weeks", "at_least", ACUTE_PAIN_MAX_WEEKS),
            ),
            Grade(
                "urgent",
                FEVER,
                "Fever or feeling systemically unwell with long-standing pain: infection (or "
                "another serious cause) must be excluded.",
                "Medical review within days (GP or sports physician) with blood tests before "
                "treating this as a tendon problem.",
                "malignancy_or_infection",
            ),
        ),
        sources=("S27", "FINUCANE-2020"),
        evidence="M",
    ),
    RedFlagRule(
        slug="suspected_malignancy",
        title="Possible tumour",
        grades=(
            Grade(
                "urgent",
                When("cancer_history", "is", True),
                "A history of cancer with new pain: metastasis must be excluded (the one red "
                "flag with useful accuracy for spinal malignancy).",
                "Medical review within days (GP, oncology team or sports physician) and "
                "imaging; atypical imaging needs specialist review.",
                "malignancy_or_infection",
            ),
            Grade(
                "urgent",
                AllOf(
                    When("weight_loss_unexplained", "is", True),
                    AnyOf(
                        When("age", "at_least", WEIGHT_LOSS_URGENT_AGE),
                        When("night_pain", "is", True),
                    ),
                ),
                "Unexplained weight loss with age 50 or over, or with night pain: serious "
                "pathology must be excluded.",
                "Medical review within days (GP) before treating this as a tendon problem.",
                "malignancy_or_infection",
            ),
            Grade(
                "soon",
                When("weight_loss_unexplained", "is", True),
                "Unexplained weight loss: serious pathology should be excluded.",
                "Ask the GP to review within about two weeks.",
                "malignancy_or_infection",
            ),
        ),
        sources=("DOWNIE-2013", "S27"),
        evidence="C",
    ),
    RedFlagRule(
        slug="acute_avulsion",
        title="Possible proximal hamstring avulsion",
        grades=(
            Grade(
                "urgent",
                AnyOf(
                    When("imaging.full_avulsion", "is", True),
                    AllOf(When("palpable_gap", "is", True), MATURE_OR_UNKNOWN),
                    AllOf(
                        When("onset", "is", "sudden"),
                        When("bruising", "is", True),
                        MATURE_OR_UNKNOWN,
                    ),
                ),
                "A palpable gap, an avulsion on imaging, or a sudden onset with posterior "
                "thigh bruising suggests an acute proximal hamstring tear or avulsion.",
                "Orthopaedic opinion within days (repair is generally favoured for complete "
                "avulsions in active people, and delay makes it harder); MRI if not done.",
                "proximal_hamstring_avulsion",
            ),
        ),
        sources=("S29b", "S29"),
        evidence="C",
    ),
    RedFlagRule(
        slug="displaced_apophyseal_avulsion",
        title="Displaced apophyseal avulsion",
        grades=(
            Grade(
                "urgent",
                When("imaging.apophyseal_displacement_mm", "above", APOPHYSIS_DISPLACEMENT_MM),
                "The ischial apophysis is displaced by more than 15 mm.",
                "Orthopaedic (surgical) opinion within days: early fixation is considered for "
                "active patients displaced more than 15 mm.",
                "ischial_apophysitis_or_avulsion",
            ),
            Grade(
                "urgent",
                AllOf(IMMATURE, When("palpable_gap", "is", True)),
                "A palpable gap at the ischium of a skeletally immature patient suggests a "
                "displaced apophyseal avulsion.",
                "Pelvic X-ray and orthopaedic opinion within days: displacement over 15 mm "
                "is considered for early fixation.",
                "ischial_apophysitis_or_avulsion",
            ),
        ),
        sources=("FERLIC-2014", "S28"),
        evidence="C",
    ),
    RedFlagRule(
        slug="adolescent_apophyseal_injury",
        title="Possible apophyseal injury",
        grades=(
            Grade(
                "soon",
                AnyOf(
                    When("imaging.apophyseal_avulsion", "is", True),
                    When("imaging.apophyseal_displacement_mm", "at_least", 0),
                ),
                "Imaging shows an ischial apophyseal avulsion displaced 15 mm or less (or by "
                "an amount not recorded).",
                "Orthopaedic or sports physician review within about two weeks; protected "
                "loading. Record the displacement: over 15 mm needs a surgical opinion.",
                "ischial_apophysitis_or_avulsion",
            ),
            Grade(
                "soon",
                AnyOf(
                    AllOf(
                        When("age", "between", (APOPHYSIS_AGE_MIN, APOPHYSIS_AGE_MAX)),
                        When("onset", "is", "sudden"),
                    ),
                    AllOf(IMMATURE, When("tenderness_ischial_tuberosity", "is", True)),
                ),
                "A young patient with a sudden onset, or an adolescent with ischial "
                "tenderness: possible ischial apophysitis or apophyseal avulsion.",
                "Pelvic X-ray before calling it tendinopathy; displacement over 15 mm needs a "
                "surgical opinion.",
                "ischial_apophysitis_or_avulsion",
            ),
        ),
        sources=("S28", "FERLIC-2014"),
        evidence="C",
        superseded_by=("displaced_apophyseal_avulsion",),
    ),
    RedFlagRule(
        slug="femoral_neck_bone_stress",
        title="Possible femoral neck bone stress injury",
        grades=(
            Grade(
                "urgent",
                When("imaging.stress_fracture_site", "in", FEMORAL_NECK_SITES),
                "Imaging shows a femoral neck bone stress injury (the tension side is the "
                "high-risk site: it can displace).",
                "Stop running and impact loading now, crutches if weight-bearing hurts, and "
                "no hop or single-leg loading tests. Orthopaedic or sports medicine review "
                "within days.",
                "stress_fracture",
            ),
            Grade(
                "urgent",
                AllOf(GROIN, BONE_STRESS_CONTEXT),
                "Groin or front-of-hip pain with loading, in a bone-stress context (a rise "
                "in training, low energy availability, a previous stress fracture, pain on "
                "hopping or running): possible femoral neck bone stress injury.",
                "Stop running and impact loading now and do not do hop or single-leg loading "
                "tests (a hop can complete a femoral neck fracture). MRI and sports medicine "
                "or orthopaedic review within days.",
                "stress_fracture",
                unless=BONE_STRESS_EXCLUDED,
            ),
        ),
        sources=("AAPMR-HIP",),
        evidence="C",
    ),
    RedFlagRule(
        slug="bone_stress_injury",
        title="Possible bone stress injury (low-risk site)",
        grades=(
            Grade(
                "soon",
                AnyOf(
                    When("imaging.stress_fracture_site", "in", LOW_RISK_SITES),
                    When("imaging.stress_fracture", "is", True),
                ),
                "Imaging shows a bone stress injury at a low-risk site (sacrum, pubic ramus "
                "or ischium) or at a site not recorded.",
                "Stop impact loading; relative rest lets low-risk sites heal. Sports "
                "medicine review within about two weeks. Record the site: the femoral neck "
                "is high risk.",
                "stress_fracture",
            ),
            Grade(
                "soon",
                When("hop_test_pain", "is", True),
                "Pain on single-leg hopping: possible bone stress injury of the pelvis or sacrum.",
                "Stop impact loading and arrange an MRI within about two weeks (an X-ray is "
                "often normal early).",
                "stress_fracture",
                unless=BONE_STRESS_EXCLUDED,
            ),
        ),
        sources=("AAPMR-HIP", "S18"),
        evidence="C",
        superseded_by=("femoral_neck_bone_stress",),
    ),
)

RULE_BY_SLUG: dict[str, RedFlagRule] = {rule.slug: rule for rule in RED_FLAG_RULES}


@dataclass(frozen=True)
class RedFlag:
    slug: str
    title: str
    message: str
    urgency: Urgency
    findings: tuple[str, ...]
    action: str
    source: str
    citation: str
    evidence: Evidence
    diagnosis: str | None
    unasked: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "message": self.message,
            "urgency": self.urgency,
            "findings": list(self.findings),
            "action": self.action,
            "source": self.source,
            "citation": self.citation,
            "evidence": self.evidence,
            "diagnosis": self.diagnosis,
            "unasked": list(self.unasked),
        }


def _citation(rule: RedFlagRule) -> str:
    return cite_with_evidence(rule.sources, rule.evidence)


def grade_of(rule: RedFlagRule, flat: Mapping[str, Any]) -> Grade | None:
    """The grade at which ``rule`` is raised on these findings, or None."""
    for grade in rule.grades:
        if grade.when._test(flat) and not (grade.unless is not None and grade.unless._test(flat)):
            return grade
    return None


def urgencies_of(grades: Mapping[str, Grade | None]) -> dict[str, Urgency]:
    """``diagnosis_urgencies`` from each rule's raised grade (superseded flags left out)."""
    urgencies: dict[str, Urgency] = {}
    for slug, grade in grades.items():
        if grade is None or grade.diagnosis is None:
            continue
        if any(grades.get(other) is not None for other in RULE_BY_SLUG[slug].superseded_by):
            continue
        current = urgencies.get(grade.diagnosis)
        if current is None or URGENCY_RANK[grade.urgency] < URGENCY_RANK[current]:
            urgencies[grade.diagnosis] = grade.urgency
    return urgencies


def red_flags(flat: Mapping[str, Any]) -> tuple[RedFlag, ...]:
    """Every red flag whose own findings call for it, most urgent first."""
    raised: dict[str, RedFlag] = {}
    for rule in RED_FLAG_RULES:
        for grade in (grade_of(rule, flat),):
            if grade is None:
                continue
            unasked = tuple(key for key in rule.asks if key not in flat)
            message = grade.message
            if unasked:
                message += (
                    " Not yet asked: "
                    + ", ".join(label(key)[0].lower() + label(key)[1:] for key in unasked)
                    + "."
                )
            raised[rule.slug] = RedFlag(
                slug=rule.slug,
                title=rule.title,
                message=message,
                urgency=grade.urgency,
                findings=raised_by(grade.when, flat),
                action=grade.action,
                source=rule.sources[0],
                citation=_citation(rule),
                evidence=rule.evidence,
                diagnosis=grade.diagnosis,
                unasked=unasked,
            )
            break
    kept = [
        flag
        for flag in raised.values()
        if not any(other in raised for other in RULE_BY_SLUG[flag.slug].superseded_by)
    ]
    order = {rule.slug: index for index, rule in enumerate(RED_FLAG_RULES)}
    kept.sort(key=lambda flag: (URGENCY_RANK[flag.urgency], order[flag.slug]))
    return tuple(kept)


def diagnosis_urgencies(flags: tuple[RedFlag, ...]) -> dict[str, Urgency]:
    """The most urgent open flag for each diagnosis a flag points to."""
    urgencies: dict[str, Urgency] = {}
    for flag in flags:
        if flag.diagnosis is None:
            continue
        current = urgencies.get(flag.diagnosis)
        if current is None or URGENCY_RANK[flag.urgency] < URGENCY_RANK[current]:
            urgencies[flag.diagnosis] = flag.urgency
    return urgencies


def highest_urgency(flags: tuple[RedFlag, ...]) -> Urgency | None:
    return flags[0].urgency if flags else None


# --- Risk factors ------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskFactor:
    """A finding that raises suspicion of a diagnosis without being a red flag on its own."""

    when: Condition
    diagnosis: str
    text: str
    sources: tuple[str, ...]
    evidence: Evidence


# [Dev] NEW_PAIN ages follow the red-flag lists (new pain under 20 or over 55).
RISK_AGE_OLDER = 55

RISK_FACTORS: tuple[RiskFactor, ...] = (
    RiskFactor(
        When("amenorrhoea_or_red_s_risk", "is", True),
        "stress_fracture",
        "Low energy availability, menstrual disturbance or low bone density raise the risk of "
        "a bone stress injury: consider it, and ask about groin pain and pain on hopping.",
        ("AAPMR-HIP", "S18"),
        "M",
    ),
    RiskFactor(
        When("previous_bone_stress_injury", "is", True),
        "stress_fracture",
        "A previous stress fracture raises the risk of another: consider a bone stress injury.",
        ("AAPMR-HIP",),
        "M",
    ),
    RiskFactor(
        When("postpartum", "is", True),
        "stress_fracture",
        "Pregnancy and breastfeeding lower bone density: consider a sacral or pubic bone "
        "stress injury, and pelvic girdle (sacroiliac) pain.",
        ("DEV",),
        "Dev",
    ),
    RiskFactor(
        When("age", "above", RISK_AGE_OLDER),
        "malignancy_or_infection",
        "New pain over the age of 55 is a risk factor for serious pathology: consider it if "
        "the pain does not behave mechanically.",
        ("S27", "DOWNIE-2013"),
        "C",
    ),
    RiskFactor(
        When("night_pain", "is", True),
        "malignancy_or_infection",
        "Night pain is seen in an irritable tendon, but unremitting night pain is a risk "
        "factor for serious pathology: ask whether it eases with a change of position.",
        ("S27",),
        "C",
    ),
    RiskFactor(
        When("immunosuppressed", "is", True),
        "malignancy_or_infection",
        "Immunosuppression, injecting drug use or long-term steroids raise the risk of "
        "infection: ask about fever.",
        ("S27",),
        "C",
    ),
)


@dataclass(frozen=True)
class RiskNote:
    finding: str
    diagnosis: str
    text: str
    citation: str
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "diagnosis": self.diagnosis,
            "text": self.text,
            "citation": self.citation,
            "evidence": self.evidence,
        }


def risk_factors(flat: Mapping[str, Any]) -> tuple[RiskNote, ...]:
    notes = []
    for factor in RISK_FACTORS:
        if factor.when.holds(flat):
            citation = cite_with_evidence(factor.sources, factor.evidence)
            notes.append(
                RiskNote(
                    " + ".join(raised_by(factor.when, flat)),
                    factor.diagnosis,
                    factor.text,
                    citation,
                    factor.evidence,
                )
            )
    return tuple(notes)
