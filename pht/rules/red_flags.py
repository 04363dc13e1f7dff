"""Red flags: findings that call for referral whatever else is recorded.

Vocabulary: a ``RedFlagRule`` has a slug, a message, an urgency, an action and a tuple of
**triggers** (conditions). The flag is raised when any trigger holds, and the findings of every
trigger that holds are listed. Flags are computed only from their own triggers, never from the
rest of the findings, so no combination of other findings can suppress one.

Urgency: ``emergency`` (same day, emergency department), ``urgent`` (medical review within
days), ``soon`` (within about two weeks). Wording follows KNOWLEDGE.md section 5.

The serious diagnoses in ``differentials.py`` reuse these triggers as their "at least
possible" floor, so a flag and its diagnosis can never disagree.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pht.rules.predicates import AllOf, Condition, When

type Urgency = Literal["emergency", "urgent", "soon"]

# [Dev] KNOWLEDGE.md section 5 gives the ischial apophysis age as ~13-25 (it fuses in late
# adolescence). The lower bound is widened to 10 so an early-maturing child is not missed:
# a missed apophyseal avulsion costs more than one pelvic X-ray.
APOPHYSIS_AGE_MIN = 10
APOPHYSIS_AGE_MAX = 25
# [Dev] Below this age the apophysis is still open in most people, so ischial tenderness alone
# (without a sudden event) is enough to consider apophysitis.
APOPHYSITIS_TENDERNESS_AGE_MAX = 18


@dataclass(frozen=True)
class RedFlagRule:
    slug: str
    message: str
    urgency: Urgency
    action: str
    triggers: tuple[Condition, ...]
    source: str
    # The serious differential whose "at least possible" floor these triggers set (None: no floor).
    diagnosis: str | None


RED_FLAG_RULES: tuple[RedFlagRule, ...] = (
    RedFlagRule(
        slug="cauda_equina",
        message="Saddle numbness or new bladder/bowel change suggests possible cauda equina "
        "syndrome.",
        urgency="emergency",
        action="Consider same-day emergency referral (emergency department / on-call spinal "
        "team); do not start or continue rehabilitation first.",
        triggers=(
            When("saddle_anaesthesia", "is", True),
            When("bladder_bowel_change", "is", True),
        ),
        source="S27",
        diagnosis="cauda_equina",
    ),
    RedFlagRule(
        slug="malignancy_or_infection",
        message="Cancer history, unexplained weight loss or fever suggests serious pathology "
        "(tumour or infection) must be excluded.",
        urgency="urgent",
        action="Consider urgent medical review (GP or sports physician within days) before "
        "treating this as a tendon problem; atypical imaging needs specialist review.",
        triggers=(
            When("cancer_history", "is", True),
            When("weight_loss_unexplained", "is", True),
            When("fever", "is", True),
        ),
        source="S27",
        diagnosis="malignancy_or_infection",
    ),
    RedFlagRule(
        slug="acute_avulsion",
        message="A palpable gap, imaging of an avulsion, or sudden onset with posterior thigh "
        "bruising suggests an acute proximal hamstring tear or avulsion.",
        urgency="urgent",
        action="Consider an urgent orthopaedic opinion within days (repair is generally "
        "favoured for complete avulsions in active people); arrange MRI if not done.",
        triggers=(
            When("palpable_gap", "is", True),
            When("imaging.full_avulsion", "is", True),
            AllOf(When("onset", "is", "sudden"), When("bruising", "is", True)),
        ),
        source="S29b",
        diagnosis="proximal_hamstring_avulsion",
    ),
    RedFlagRule(
        slug="adolescent_apophyseal_injury",
        message="A young patient with a sudden onset, or an adolescent with ischial tenderness, "
        "suggests possible ischial apophysitis or apophyseal avulsion.",
        urgency="soon",
        action="Consider a pelvic X-ray; displacement over 15 mm (some use 2 cm) needs a "
        "surgical opinion.",
        triggers=(
            AllOf(
                When("age", "between", (APOPHYSIS_AGE_MIN, APOPHYSIS_AGE_MAX)),
                When("onset", "is", "sudden"),
            ),
            AllOf(
                When("age", "between", (APOPHYSIS_AGE_MIN, APOPHYSITIS_TENDERNESS_AGE_MAX)),
                When("tenderness_ischial_tuberosity", "is", True),
            ),
        ),
        source="S28",
        diagnosis="ischial_apophysitis_or_avulsion",
    ),
    RedFlagRule(
        slug="high_risk_bone_stress",
        message="Pain on hopping, imaging of a stress fracture, or low energy availability with "
        "a recent rise in training suggests a possible bone stress injury.",
        urgency="urgent",
        action="Consider stopping running and impact loading now and arranging urgent imaging "
        "(MRI; X-ray is often normal early).",
        triggers=(
            When("hop_test_pain", "is", True),
            When("imaging.stress_fracture", "is", True),
            AllOf(
                When("amenorrhoea_or_red_s_risk", "is", True),
                When("recent_training_load_change", "is", True),
            ),
        ),
        source="S18",
        diagnosis="stress_fracture",
    ),
    RedFlagRule(
        slug="neurological_deficit",
        message="An objective neurological deficit (weakness, reflex or sensory loss) is "
        "recorded; if it is progressive it needs urgent assessment.",
        urgency="urgent",
        action="Consider urgent medical review of the deficit (spinal or neurology opinion if "
        "it is progressing); recheck it at every visit.",
        triggers=(When("neuro_deficit", "is", True),),
        source="S27",
        diagnosis=None,
    ),
)


@dataclass(frozen=True)
class RedFlag:
    slug: str
    message: str
    urgency: Urgency
    findings: tuple[str, ...]
    action: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "message": self.message,
            "urgency": self.urgency,
            "findings": list(self.findings),
            "action": self.action,
            "source": self.source,
        }


def fired_triggers(rule: RedFlagRule, flat: Mapping[str, Any]) -> list[Condition]:
    return [trigger for trigger in rule.triggers if trigger.holds(flat)]


def red_flags(flat: Mapping[str, Any]) -> tuple[RedFlag, ...]:
    """Every red flag whose own triggers hold, in table order (most urgent first)."""
    raised = []
    for rule in RED_FLAG_RULES:
        fired = fired_triggers(rule, flat)
        if fired:
            keys = tuple(dict.fromkeys(key for trigger in fired for key in trigger.keys))
            raised.append(
                RedFlag(rule.slug, rule.message, rule.urgency, keys, rule.action, rule.source)
            )
    return tuple(raised)
