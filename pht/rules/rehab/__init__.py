"""Rehabilitation rules for proximal hamstring tendinopathy (PHT), as pure functions.

Everything here is a suggestion for the treating clinician, never an order. Each rule names
its threshold as a constant and says where it comes from with a :class:`Source`: keys of the
one registry (``pht.rules.sources``) and an evidence status, shown to people only as a
readable citation in plain words.

Modules, by topic (every public name is re-exported here, so ``from pht.rules import rehab``
and ``from pht.rules.rehab import X`` keep working):

==================  ==============================================================
``vocabulary``      levels, stage numbers, ``RehabInputError``, ``Source``
``stages``          the five rehab stages (``REHAB_STAGES``, ``rehab_stage``)
``library``         ``ExerciseSpec``, validation of ``exercises.json``,
                    ``exercises_for_stage``, ``hip_flexion_allowed``
``advice``          load-management advice, pain monitoring, when to call
``proposal``        ``starting_stage``, ``propose_plan``, ``PlanProposal``
``progression``     ``suggest_progression``, ``weeks_between``
``running``         return-to-run criteria, walk-run steps, ``suggest_run_progression``
``gate``            ``rehab_gate``: may a tendinopathy plan be proposed at all
``wording``         plurals, and readable text from older stored strings
==================  ==============================================================

Irritability (``irritability_from_findings``) is defined once in ``pht.rules.irritability``
and re-exported here. Inputs are validated; every problem is raised together as
:class:`RehabInputError`.
"""

from pht.rules.irritability import (
    HIGH_IRRITABILITY_PAIN_NOW,
    HIGH_IRRITABILITY_PAIN_WORST,
    HIGH_IRRITABILITY_SITTING_MIN,
    IRRITABILITY_KEYS,
    MODERATE_IRRITABILITY_PAIN_NOW,
    MODERATE_IRRITABILITY_PAIN_WORST,
    MODERATE_IRRITABILITY_SITTING_MIN,
    irritability_from_findings,
)
from pht.rules.rehab.advice import (
    ACCEPTABLE_MARKER_PAIN,
    ACCEPTABLE_MARKER_PAIN_SOURCE,
    CALL_AFTER_DAYS_ABOVE_THRESHOLD,
    CALL_AFTER_DAYS_SOURCE,
    LOAD_ADVICE,
    PAIN_MONITORING_ADVICE,
    WHEN_TO_CALL_ADVICE,
    LoadAdvice,
    PatientAdvice,
    load_advice_for,
)
from pht.rules.rehab.gate import RehabGate, rehab_gate
from pht.rules.rehab.library import (
    DOSAGE_KEYS,
    DOSAGE_NUMBER_OR_TEXT,
    DOSAGE_REQUIRED,
    EXERCISE_KEYS,
    SLUG_PATTERN,
    SOURCE_KEYS,
    ExerciseSpec,
    exercise_spec_from_dict,
    exercise_specs_from_list,
    exercises_for_stage,
    hip_flexion_allowed,
)
from pht.rules.rehab.progression import (
    MIN_SITTING_FOR_STAGE_3_MIN,
    MIN_SITTING_FOR_STAGE_3_SOURCE,
    MIN_WEEKS_AT_STAGE,
    MIN_WEEKS_AT_STAGE_SOURCE,
    REGRESS_PAIN_RISE,
    REGRESS_PAIN_RISE_SOURCE,
    ProgressionSuggestion,
    suggest_progression,
    weeks_between,
)
from pht.rules.rehab.proposal import REACTIVE_GROUP, PlanProposal, propose_plan, starting_stage
from pht.rules.rehab.running import (
    ACCEPTABLE_RUN_PAIN,
    FIRST_RUN_STEP,
    LAST_RUN_STEP,
    RETURN_TO_RUN_CRITERIA,
    RUN_PROGRESSION_ORDER,
    RUN_PROGRESSION_ORDER_SOURCE,
    WALK_RUN_BLOCK_MIN,
    WALK_RUN_BLOCKS,
    WALK_RUN_PROGRESSION,
    WALK_RUN_SOURCE,
    Criterion,
    RunSuggestion,
    WalkRunStep,
    suggest_run_progression,
)
from pht.rules.rehab.stages import REHAB_STAGES, RehabStage, rehab_stage
from pht.rules.rehab.vocabulary import (
    ADHERENCE_LEVELS,
    FIRST_STAGE,
    HIP_FLEXION_LEVELS,
    IRRITABILITY_LEVELS,
    LAST_STAGE,
    LOAD_TYPES,
    RESPONSES_24H,
    STATUSES,
    TENDON_STAGES,
    RehabInputError,
    Source,
    readable_citation,
)
from pht.rules.rehab.wording import evidence_words, plural, readable

__all__ = [
    "ACCEPTABLE_MARKER_PAIN",
    "ACCEPTABLE_MARKER_PAIN_SOURCE",
    "ACCEPTABLE_RUN_PAIN",
    "ADHERENCE_LEVELS",
    "CALL_AFTER_DAYS_ABOVE_THRESHOLD",
    "CALL_AFTER_DAYS_SOURCE",
    "DOSAGE_KEYS",
    "DOSAGE_NUMBER_OR_TEXT",
    "DOSAGE_REQUIRED",
    "EXERCISE_KEYS",
    "FIRST_RUN_STEP",
    "FIRST_STAGE",
    "HIGH_IRRITABILITY_PAIN_NOW",
    "HIGH_IRRITABILITY_PAIN_WORST",
    "HIGH_IRRITABILITY_SITTING_MIN",
    "HIP_FLEXION_LEVELS",
    "IRRITABILITY_KEYS",
    "IRRITABILITY_LEVELS",
    "LAST_RUN_STEP",
    "LAST_STAGE",
    "LOAD_ADVICE",
    "LOAD_TYPES",
    "MIN_SITTING_FOR_STAGE_3_MIN",
    "MIN_SITTING_FOR_STAGE_3_SOURCE",
    "MIN_WEEKS_AT_STAGE",
    "MIN_WEEKS_AT_STAGE_SOURCE",
    "MODERATE_IRRITABILITY_PAIN_NOW",
    "MODERATE_IRRITABILITY_PAIN_WORST",
    "MODERATE_IRRITABILITY_SITTING_MIN",
    "PAIN_MONITORING_ADVICE",
    "REACTIVE_GROUP",
    "REGRESS_PAIN_RISE",
    "REGRESS_PAIN_RISE_SOURCE",
    "REHAB_STAGES",
    "RESPONSES_24H",
    "RETURN_TO_RUN_CRITERIA",
    "RUN_PROGRESSION_ORDER",
    "RUN_PROGRESSION_ORDER_SOURCE",
    "SLUG_PATTERN",
    "SOURCE_KEYS",
    "STATUSES",
    "TENDON_STAGES",
    "WALK_RUN_BLOCKS",
    "WALK_RUN_BLOCK_MIN",
    "WALK_RUN_PROGRESSION",
    "WALK_RUN_SOURCE",
    "WHEN_TO_CALL_ADVICE",
    "Criterion",
    "ExerciseSpec",
    "LoadAdvice",
    "PatientAdvice",
    "PlanProposal",
    "ProgressionSuggestion",
    "RehabGate",
    "RehabInputError",
    "RehabStage",
    "RunSuggestion",
    "Source",
    "WalkRunStep",
    "evidence_words",
    "exercise_spec_from_dict",
    "exercise_specs_from_list",
    "exercises_for_stage",
    "hip_flexion_allowed",
    "irritability_from_findings",
    "load_advice_for",
    "plural",
    "propose_plan",
    "readable",
    "readable_citation",
    "rehab_gate",
    "rehab_stage",
    "starting_stage",
    "suggest_progression",
    "suggest_run_progression",
    "weeks_between",
]
