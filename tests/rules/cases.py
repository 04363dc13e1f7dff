"""Named clinical cases for the rules module, written from KNOWLEDGE.md.

Each case is one patient: a descriptive id, the findings as a clinician would record them, and
what the rules should suggest. Expectations left at their default are not checked, so a case
states only what it is about. ``test_cases.py`` runs every case; ``bench/rules.py`` times them.

Expectation fields:

- ``top``: the first differential.
- ``levels``: exact levels for the named diagnoses.
- ``at_least_possible``: diagnoses that must be "possible" or "likely".
- ``red_flags``: the exact set of red-flag slugs raised (``None``: not checked).
- ``stage``: the stage slug, ``None`` for "no stage" (PHT not in play), or ``ANY``.
- ``post_test``: the headline PHT post-test probability (``ANY``: not checked).
- ``pre_test``: a clinician's pre-test probability passed to ``evaluate``.
- ``discordant``: whether the provocation tests disagree (``None``: not checked).
- ``next_tests_include`` / ``next_tests_exclude``: finding keys among the suggested tests.
"""

from dataclasses import dataclass, field
from typing import Any

ANY: Any = object()


@dataclass(frozen=True)
class Case:
    id: str
    findings: dict[str, Any]
    top: str | None = None
    levels: dict[str, str] = field(default_factory=dict)
    at_least_possible: tuple[str, ...] = ()
    red_flags: frozenset[str] | None = None
    stage: Any = ANY
    post_test: Any = ANY
    pre_test: float | None = None
    discordant: bool | None = None
    next_tests_include: tuple[str, ...] = ()
    next_tests_exclude: tuple[str, ...] = ()


def flags(*slugs: str) -> frozenset[str]:
    return frozenset(slugs)


def bayes(p: float, lr: float) -> float:
    odds = p / (1 - p) * lr
    return odds / (1 + odds)


PHT = "proximal_hamstring_tendinopathy"
DGS = "deep_gluteal_syndrome"
RADIC = "lumbar_radiculopathy"
LUMBAR = "lumbar_referred_pain"
SIJ = "sacroiliac_joint_pain"
IFI = "ischiofemoral_impingement"
BURSITIS = "ischiogluteal_bursitis"
HAMSTRING_SYNDROME = "hamstring_syndrome"
AVULSION = "proximal_hamstring_avulsion"
APOPHYSIS = "ischial_apophysitis_or_avulsion"
STRESS = "stress_fracture"
SERIOUS = "malignancy_or_infection"
CAUDA = "cauda_equina"

# A distance runner with the textbook PHT history (KNOWLEDGE.md sections 4.2 and 8).
TYPICAL: dict[str, Any] = {
    "age": 38,
    "sex": "female",
    "sport": "distance running",
    "onset": "gradual",
    "recent_training_load_change": True,
    "pain_location": ["ischial_tuberosity"],
    "pain_with_sitting": True,
    "pain_running_uphill_or_speed": True,
    "tenderness_ischial_tuberosity": True,
}


def typical(**changes: Any) -> dict[str, Any]:
    return {**TYPICAL, **changes}


ALL_NEGATIVE = {
    "modified_bent_knee_stretch": "negative",
    "bent_knee_stretch": "negative",
    "puranen_orava": "negative",
}
ALL_POSITIVE = {
    "modified_bent_knee_stretch": "positive",
    "bent_knee_stretch": "positive",
    "puranen_orava": "positive",
}

CASES: tuple[Case, ...] = (
    # --- Proximal hamstring tendinopathy -------------------------------------------------------
    Case(
        "typical runner, tender, MBK positive: PHT likely, 94% from the supported tier (0.6)",
        typical(modified_bent_knee_stretch="positive"),
        top=PHT,
        levels={PHT: "likely"},
        red_flags=flags(),
        post_test=bayes(0.6, 10.2),
    ),
    Case(
        "typical runner, tender, no provocation test: PHT likely from the pre-test, suggest MBK",
        typical(),
        top=PHT,
        levels={PHT: "likely"},
        post_test=None,
        next_tests_include=("modified_bent_knee_stretch",),
        next_tests_exclude=("bent_knee_stretch", "puranen_orava"),
    ),
    Case(
        "typical runner, all three tests negative: PHT unlikely (15%), no headline",
        typical(**ALL_NEGATIVE),
        levels={PHT: "unlikely"},
        post_test=bayes(0.6, 0.12),
        discordant=False,
        stage=None,
    ),
    Case(
        "deep buttock pain only, all three tests negative: PHT unlikely, no stage",
        {"pain_location": ["deep_buttock"], **ALL_NEGATIVE},
        levels={PHT: "unlikely"},
        stage=None,
        post_test=bayes(0.2, 0.12),
    ),
    Case(
        "all three tests positive: one LR used, never the product",
        typical(**ALL_POSITIVE),
        top=PHT,
        levels={PHT: "likely"},
        post_test=bayes(0.6, 10.2),
        discordant=False,
    ),
    Case(
        "MBK negative but Puranen-Orava positive: discordant, headline uses the MBK",
        typical(modified_bent_knee_stretch="negative", puranen_orava="positive"),
        levels={PHT: "unlikely"},
        post_test=bayes(0.6, 0.12),
        discordant=True,
    ),
    Case(
        "only the bent-knee stretch done, positive",
        typical(bent_knee_stretch="positive"),
        top=PHT,
        post_test=bayes(0.6, 6.5),
    ),
    Case(
        "only Puranen-Orava done, negative: PHT stays possible (30%)",
        typical(puranen_orava="negative"),
        top=PHT,
        levels={PHT: "possible"},
        post_test=bayes(0.6, 0.29),
    ),
    Case(
        "clinician sets pre-test 0.2 with MBK positive",
        typical(modified_bent_knee_stretch="positive"),
        pre_test=0.2,
        post_test=bayes(0.2, 10.2),
    ),
    Case(
        "partly typical presentation (no sitting pain): pre-test 0.3",
        {
            "onset": "gradual",
            "pain_location": ["ischial_tuberosity"],
            "bent_knee_stretch": "positive",
        },
        top=PHT,
        post_test=bayes(0.3, 6.5),
    ),
    Case(
        "PHT with warm-up pattern and painful single-leg bridge",
        typical(
            pain_warms_up_with_activity=True,
            pain_worse_after_activity=True,
            single_leg_bridge_pain=True,
        ),
        top=PHT,
        levels={PHT: "likely", LUMBAR: "unlikely"},
    ),
    Case(
        "PHT history but no ischial tenderness and MBK negative: PHT drops",
        {
            "onset": "gradual",
            "pain_location": ["ischial_tuberosity"],
            "tenderness_ischial_tuberosity": False,
            "modified_bent_knee_stretch": "negative",
        },
        levels={PHT: "unlikely"},
        stage=None,
    ),
    Case(
        "recording the provocation tests as booleans (false = negative)",
        typical(modified_bent_knee_stretch=False),
        post_test=bayes(0.6, 0.12),
    ),
    Case(
        "PHT with imaging of tendon thickening and normal neuro exam",
        typical(
            neuro_deficit=False,
            slr_positive=False,
            imaging={"mri": "thickened common hamstring origin", "tendon_thickening": True},
        ),
        top=PHT,
        levels={PHT: "likely", RADIC: "unlikely"},
        red_flags=flags(),
    ),
    # --- Stages --------------------------------------------------------------------------------
    Case(
        "reactive: young runner, 3 weeks after adding hill sprints, irritable, first episode",
        typical(
            age=26,
            duration_weeks=3,
            previous_episodes=False,
            night_pain=True,
            pain_worse_after_activity=True,
            modified_bent_knee_stretch="positive",
        ),
        top=PHT,
        stage="reactive",
    ),
    Case(
        "degenerative: 52-year-old, 18 months, recurrent, no recent load change, low irritability",
        typical(
            age=52,
            duration_weeks=78,
            recent_training_load_change=False,
            previous_episodes=True,
            night_pain=False,
            pain_worse_after_activity=False,
            sitting_tolerance_min=60,
            imaging={"partial_tear": True},
        ),
        top=PHT,
        stage="degenerative",
    ),
    Case(
        "reactive-on-degenerative: recurrent chronic PHT flaring after a marathon block",
        typical(
            age=48,
            duration_weeks=60,
            previous_episodes=True,
            night_pain=True,
            pain_worse_after_activity=True,
            sitting_tolerance_min=10,
        ),
        top=PHT,
        stage="reactive_on_degenerative",
    ),
    Case(
        "disrepair: 4 months, mixed features",
        typical(
            age=40,
            duration_weeks=16,
            recent_training_load_change=False,
            previous_episodes=False,
            night_pain=False,
        ),
        top=PHT,
        stage="disrepair",
    ),
    Case(
        "uncertain stage: too few staging inputs recorded",
        {
            "onset": "gradual",
            "pain_location": ["ischial_tuberosity"],
            "pain_with_sitting": True,
            "modified_bent_knee_stretch": "positive",
        },
        top=PHT,
        stage="uncertain",
    ),
    Case(
        "uncertain stage: inputs pull both ways",
        typical(
            age=50,
            duration_weeks=3,
            recent_training_load_change=False,
            previous_episodes=False,
            night_pain=True,
            sitting_tolerance_min=5,
        ),
        stage="uncertain",
    ),
    Case(
        "reactive-on-degenerative: recurrent PHT flaring after a long-haul flight",
        typical(
            age=54,
            duration_weeks=100,
            previous_episodes=True,
            recent_training_load_change=False,
            recent_compressive_load=True,
        ),
        top=PHT,
        stage="reactive_on_degenerative",
    ),
    Case(
        "no stage when PHT is unlikely (lumbar radiculopathy on top)",
        {
            "back_pain": True,
            "pain_below_knee": True,
            "paraesthesia_or_numbness": True,
            "neuro_deficit": True,
            "slr_positive": True,
            "duration_weeks": 4,
            "age": 30,
            "recent_training_load_change": True,
        },
        top=RADIC,
        stage=None,
    ),
    # --- Lumbar spine --------------------------------------------------------------------------
    Case(
        "lumbar radiculopathy: back and leg pain below the knee with a deficit",
        {
            "age": 45,
            "back_pain": True,
            "pain_location": ["lower_back", "posterior_thigh", "below_knee"],
            "pain_below_knee": True,
            "paraesthesia_or_numbness": True,
            "neuro_deficit": True,
            "slr_positive": True,
        },
        top=RADIC,
        levels={RADIC: "likely", PHT: "unlikely"},
        red_flags=flags(),
        next_tests_include=("neuro_deficit_progressive",),
    ),
    Case(
        "radicular pain without a deficit: radiculopathy possible, neuro exam suggested",
        {
            "back_pain": True,
            "pain_below_knee": True,
            "paraesthesia_or_numbness": True,
        },
        top=RADIC,
        levels={RADIC: "possible"},
        red_flags=flags(),
        next_tests_include=("neuro_deficit",),
    ),
    Case(
        "positive provocation test but radiculopathy on top",
        {
            "back_pain": True,
            "pain_below_knee": True,
            "paraesthesia_or_numbness": True,
            "neuro_deficit": True,
            "slr_positive": True,
            "puranen_orava": "positive",
        },
        top=RADIC,
        post_test=bayes(0.05, 4.2),
    ),
    Case(
        "somatic referred lumbar pain: back pain with buttock pain above the knee",
        {
            "back_pain": True,
            "pain_location": ["lower_back", "deep_buttock"],
            "pain_below_knee": False,
            "neuro_deficit": False,
        },
        top=LUMBAR,
        at_least_possible=(LUMBAR,),
    ),
    Case(
        "negative SLR lowers radiculopathy",
        {"back_pain": True, "pain_below_knee": True, "slr_positive": False},
        levels={RADIC: "unlikely"},
    ),
    # --- Deep gluteal / nerve --------------------------------------------------------------------
    Case(
        "deep gluteal syndrome: deep buttock pain, sciatic symptoms, piriformis tests positive",
        {
            "pain_location": ["deep_buttock", "posterior_thigh"],
            "paraesthesia_or_numbness": True,
            "pain_below_knee": True,
            "sitting_tolerance_min": 15,
            "tenderness_piriformis": True,
            "hip_rotation_provocation_pain": True,
            "back_pain": False,
        },
        top=DGS,
        levels={DGS: "likely", PHT: "unlikely"},
    ),
    Case(
        "piriformis tests negative: deep gluteal syndrome unlikely",
        {
            "pain_location": ["deep_buttock"],
            "tenderness_piriformis": False,
            "hip_rotation_provocation_pain": False,
        },
        levels={DGS: "unlikely"},
    ),
    Case(
        "positive MBK but deep gluteal syndrome on top",
        {
            "pain_location": ["deep_buttock"],
            "paraesthesia_or_numbness": True,
            "pain_below_knee": True,
            "sitting_tolerance_min": 10,
            "tenderness_piriformis": True,
            "hip_rotation_provocation_pain": True,
            "back_pain": False,
            "modified_bent_knee_stretch": "positive",
        },
        top=DGS,
    ),
    Case(
        "hamstring syndrome: ischial pain down the thigh, recurrent, nerve symptoms",
        {
            "pain_location": ["ischial_tuberosity", "posterior_thigh"],
            "paraesthesia_or_numbness": True,
            "previous_episodes": True,
            "pain_with_sitting": True,
            "pain_running_uphill_or_speed": True,
        },
        at_least_possible=(HAMSTRING_SYNDROME,),
    ),
    Case(
        "no radiation or nerve symptoms lowers hamstring syndrome",
        {"paraesthesia_or_numbness": False, "pain_below_knee": False},
        levels={HAMSTRING_SYNDROME: "unlikely"},
    ),
    # --- SIJ, hip ------------------------------------------------------------------------------
    Case(
        "sacroiliac joint pain: 4 of 5 provocation tests positive, PSIS tenderness",
        {
            "pain_location": ["lower_back", "deep_buttock"],
            "sij_provocation_positive_count": 4,
            "tenderness_sij": True,
            "back_pain": False,
        },
        top=SIJ,
        at_least_possible=(SIJ,),
    ),
    Case(
        "SIJ cluster negative (1 of 5): SIJ pain unlikely",
        {"tenderness_sij": True, "sij_provocation_positive_count": 1},
        levels={SIJ: "unlikely"},
    ),
    Case(
        "ischiofemoral impingement: older woman, long-stride test and MRI positive",
        {
            "age": 58,
            "sex": "female",
            "pain_location": ["deep_buttock", "lateral_hip"],
            "long_stride_walking_test_positive": True,
            "imaging": {"reduced_ischiofemoral_space": True, "quadratus_femoris_oedema": True},
        },
        top=IFI,
        at_least_possible=(IFI,),
    ),
    Case(
        "negative long-stride walking test: ischiofemoral impingement unlikely",
        {"age": 60, "sex": "female", "long_stride_walking_test_positive": False},
        levels={IFI: "unlikely"},
    ),
    Case(
        "ischiogluteal bursitis: distended bursa on ultrasound, sitting pain, tender",
        {
            "pain_with_sitting": True,
            "tenderness_ischial_tuberosity": True,
            "imaging": {"ultrasound": "distended bursa", "bursa_distension": True},
        },
        top=BURSITIS,
        at_least_possible=(BURSITIS,),
    ),
    # --- Tear / avulsion -----------------------------------------------------------------------
    Case(
        "acute avulsion: water-skiing fall, pop, bruising and a palpable gap",
        {
            "age": 47,
            "onset": "sudden",
            "mechanism": "water-skiing fall, forced hip flexion with knee straight",
            "duration_weeks": 1,
            "bruising": True,
            "palpable_gap": True,
        },
        top=AVULSION,
        levels={AVULSION: "likely"},
        red_flags=flags("acute_avulsion"),
        next_tests_include=("imaging.full_avulsion",),
    ),
    Case(
        "avulsion on MRI even with a typical PHT history",
        typical(modified_bent_knee_stretch="positive", imaging={"full_avulsion": True}),
        at_least_possible=(AVULSION,),
        red_flags=flags("acute_avulsion"),
    ),
    Case(
        "sudden onset with bruising only: avulsion flag raised",
        {"onset": "sudden", "bruising": True, "age": 35},
        top=AVULSION,
        red_flags=flags("acute_avulsion"),
    ),
    Case(
        "palpable gap with everything else pointing to PHT: the avulsion is ruled out first",
        typical(palpable_gap=True, **ALL_POSITIVE),
        top=AVULSION,
        at_least_possible=(AVULSION,),
        levels={PHT: "likely"},
        stage=None,
        red_flags=flags("acute_avulsion"),
    ),
    Case(
        "gradual onset argues against a tear",
        {"onset": "gradual", "age": 40},
        levels={AVULSION: "unlikely"},
        red_flags=flags(),
    ),
    # --- Adolescent apophysis ------------------------------------------------------------------
    Case(
        "adolescent sprinter, sudden pain on hurdling: apophyseal injury on top",
        {
            "age": 15,
            "sport": "hurdles",
            "onset": "sudden",
            "pain_location": ["ischial_tuberosity"],
            "tenderness_ischial_tuberosity": True,
        },
        top=APOPHYSIS,
        red_flags=flags("adolescent_apophyseal_injury"),
    ),
    Case(
        "13-year-old footballer with gradual ischial tenderness: apophysitis possible",
        {
            "age": 13,
            "onset": "gradual",
            "pain_location": ["ischial_tuberosity"],
            "tenderness_ischial_tuberosity": True,
        },
        at_least_possible=(APOPHYSIS,),
        red_flags=flags("adolescent_apophyseal_injury"),
    ),
    Case(
        "30-year-old with sudden onset: no apophyseal flag",
        {"age": 30, "onset": "sudden"},
        levels={APOPHYSIS: "unlikely"},
        red_flags=flags(),
    ),
    # --- Bone stress ---------------------------------------------------------------------------
    Case(
        "bone stress: young female runner, low energy availability, pain on hopping",
        {
            "age": 22,
            "sex": "female",
            "onset": "gradual",
            "recent_training_load_change": True,
            "amenorrhoea_or_red_s_risk": True,
            "pain_location": ["groin", "deep_buttock"],
            "hop_test_pain": True,
        },
        top=STRESS,
        at_least_possible=(STRESS,),
        red_flags=flags("femoral_neck_bone_stress"),
        next_tests_include=("imaging.stress_fracture",),
        next_tests_exclude=("single_leg_bridge_pain",),
        stage=None,
    ),
    Case(
        "stress fracture on MRI with a typical PHT history and positive tests",
        typical(**ALL_POSITIVE, imaging={"stress_fracture": True}),
        at_least_possible=(STRESS,),
        red_flags=flags("bone_stress_injury"),
    ),
    Case(
        "low energy availability and a training rise alone: a risk factor, not a flag",
        {"amenorrhoea_or_red_s_risk": True, "recent_training_load_change": True},
        red_flags=flags(),
        next_tests_include=("groin_pain_on_loading",),
    ),
    # --- Serious pathology ---------------------------------------------------------------------
    Case(
        "cauda equina: saddle numbness and bladder change",
        {
            "back_pain": True,
            "saddle_anaesthesia": True,
            "bladder_bowel_change": True,
            "side": "bilateral",
            "pain_below_knee": True,
        },
        top=CAUDA,
        at_least_possible=(CAUDA,),
        red_flags=flags("cauda_equina"),
    ),
    Case(
        "saddle numbness hidden among a typical PHT picture: cauda equina ruled out first",
        typical(**ALL_POSITIVE, saddle_anaesthesia=True),
        top=CAUDA,
        stage=None,
        at_least_possible=(CAUDA,),
        red_flags=flags("cauda_equina"),
    ),
    Case(
        "cancer history with night pain in an older patient: serious pathology possible",
        {"age": 67, "cancer_history": True, "night_pain": True, "pain_location": ["deep_buttock"]},
        at_least_possible=(SERIOUS,),
        red_flags=flags("suspected_malignancy"),
    ),
    Case(
        "fever with buttock pain: infection must be excluded",
        {"fever": True, "pain_location": ["deep_buttock"]},
        top=SERIOUS,
        at_least_possible=(SERIOUS,),
        red_flags=flags("suspected_infection"),
    ),
    Case(
        "weight loss with a typical PHT picture: serious pathology not ranked away (soon)",
        typical(weight_loss_unexplained=True, modified_bent_knee_stretch="positive"),
        top=PHT,
        at_least_possible=(SERIOUS,),
        red_flags=flags("suspected_malignancy"),
    ),
    Case(
        "negative red-flag screen raises nothing",
        typical(
            weight_loss_unexplained=False,
            fever=False,
            cancer_history=False,
            saddle_anaesthesia=False,
            bladder_bowel_change=False,
            amenorrhoea_or_red_s_risk=False,
            neuro_deficit=False,
        ),
        top=PHT,
        red_flags=flags(),
        levels={CAUDA: "unlikely", SERIOUS: "unlikely"},
    ),
    Case(
        "many red flags at once: each raised at its own grade, none suppressed",
        {
            "age": 16,
            "onset": "sudden",
            "saddle_anaesthesia": True,
            "cancer_history": True,
            "fever": True,
            "palpable_gap": True,
            "hop_test_pain": True,
            "neuro_deficit": True,
            "foot_drop": True,
        },
        red_flags=flags(
            "cauda_equina",
            "suspected_infection",
            "suspected_malignancy",
            "displaced_apophyseal_avulsion",
            "bone_stress_injury",
        ),
        at_least_possible=(CAUDA, SERIOUS, APOPHYSIS, STRESS),
    ),
    Case(
        "an ungraded objective deficit alone raises no flag and asks to grade it",
        {"neuro_deficit": True},
        red_flags=flags(),
        next_tests_include=("neuro_deficit_progressive",),
    ),
    Case(
        "foot drop raises the severe neurological deficit flag (urgent)",
        {"neuro_deficit": True, "foot_drop": True, "back_pain": True, "pain_below_knee": True},
        top=RADIC,
        red_flags=flags("severe_neurological_deficit"),
    ),
    # --- Absent versus negative ----------------------------------------------------------------
    Case(
        "empty record: nothing likely, no flags, no stage, no post-test",
        {},
        levels={PHT: "unlikely"},
        red_flags=flags(),
        stage=None,
        post_test=None,
    ),
    Case(
        "free text only (sport, mechanism, imaging reports) changes nothing",
        {
            "sport": "sprinting",
            "mechanism": "felt a pop",
            "imaging": {"mri": "avulsion?", "xray": "normal"},
        },
        red_flags=flags(),
        levels={AVULSION: "unlikely", PHT: "unlikely"},
        post_test=None,
    ),
)
