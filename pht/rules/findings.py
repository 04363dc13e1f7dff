"""The findings vocabulary and its validation (the contract in docs/findings.md).

Findings are one flat JSON-like dict. Vocabulary:

- **absent key**: not asked / not examined. It never raises or lowers anything.
- **``False`` / ``"negative"``**: asked or examined, and negative. Rules may lower a diagnosis.
- **``True`` / ``"positive"``**: present / positive.
- ``imaging`` is an optional nested object with free-text reports (``mri``, ``ultrasound``,
  ``xray``) and boolean flags (``tendon_thickening`` ...).

``FINDINGS`` (and ``IMAGING_FINDINGS``) expose the vocabulary as data so forms and exports can
be generated from it: each ``FindingSpec`` has a key, kind, allowed values, a plain clinical
label and a section (history / red_flags / examination / imaging).

``validate(raw)`` returns a clean copy or raises ``FindingsError`` whose ``.errors`` lists every
problem, each message naming its key. Nothing is guessed, coerced or dropped, with one
documented normalisation: a provocation test recorded as ``True``/``False`` (the vocabulary allows
``false`` for a negative test) is stored as ``"positive"``/``"negative"``.

``flatten(findings)`` gives the internal view the rules read: imaging findings become
``"imaging.<key>"`` keys, and free text is left out (free text is never scored).

The vocabulary grows only by additions: every findings object that was valid under an earlier
version stays valid and means the same. ``docs/findings.md`` is generated from this module.
"""

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

type Kind = Literal["int", "number", "bool", "choice", "test", "multi", "text", "object"]
type Section = Literal["history", "red_flags", "examination", "imaging"]

#: The first released vocabulary; keys added later carry their own ``since``.
FIRST_VERSION = "2026.11.1"
ADDED_2026_12 = "2026.12.1"

#: Free text is stored as given; this cap only stops a pasted document from being stored.
MAX_TEXT_LENGTH = 5000


@dataclass(frozen=True)
class FindingSpec:
    key: str
    kind: Kind
    label: str
    section: Section
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    help: str = ""
    # The rules version that added the key. The vocabulary grows only by additions, so the
    # exports keep the columns of earlier versions where they were and append the new ones.
    since: str = FIRST_VERSION


PAIN_LOCATIONS = (
    "ischial_tuberosity",
    "deep_buttock",
    "posterior_thigh",
    "lower_back",
    "groin",
    "lateral_hip",
    "below_knee",
)
TEST_RESULTS = ("positive", "negative")

FINDINGS: tuple[FindingSpec, ...] = (
    # History
    FindingSpec("age", "int", "Age (years)", "history", min=5, max=110),
    FindingSpec("sex", "choice", "Sex", "history", choices=("female", "male")),
    FindingSpec(
        "side", "choice", "Symptomatic side", "history", choices=("left", "right", "bilateral")
    ),
    FindingSpec("sport", "text", "Sport", "history", help='e.g. "distance running"'),
    FindingSpec("onset", "choice", "Onset", "history", choices=("gradual", "sudden")),
    FindingSpec("mechanism", "text", "Mechanism of injury", "history"),
    FindingSpec("duration_weeks", "number", "Weeks since onset", "history", min=0),
    FindingSpec("previous_episodes", "bool", "Previous episodes of the same pain", "history"),
    FindingSpec(
        "recent_training_load_change",
        "bool",
        "Recent change in training load",
        "history",
        help="rise in volume, speed, hills, lunges, stretching or a new sport in recent weeks",
    ),
    FindingSpec(
        "recent_compressive_load",
        "bool",
        "Recent unusual compression before this flare (long flight, drive or sitting)",
        "history",
        help="a spike of compressive load on the tendon in the days before the pain worsened",
        since=ADDED_2026_12,
    ),
    FindingSpec("pain_location", "multi", "Where the pain is", "history", choices=PAIN_LOCATIONS),
    FindingSpec("pain_nprs_now", "int", "Pain now (0-10)", "history", min=0, max=10),
    FindingSpec("pain_nprs_worst", "int", "Worst pain (0-10)", "history", min=0, max=10),
    FindingSpec("pain_with_sitting", "bool", "Pain with sitting", "history"),
    FindingSpec(
        "sitting_tolerance_min", "int", "Minutes of sitting before pain starts", "history", min=0
    ),
    FindingSpec(
        "pain_running_uphill_or_speed", "bool", "Pain running uphill or at speed", "history"
    ),
    FindingSpec(
        "pain_warms_up_with_activity",
        "bool",
        "Pain eases after a few minutes of activity",
        "history",
    ),
    FindingSpec(
        "pain_worse_after_activity",
        "bool",
        "Pain worse after activity (later that day or next morning)",
        "history",
    ),
    FindingSpec("night_pain", "bool", "Night pain", "history"),
    FindingSpec("morning_stiffness", "bool", "Morning stiffness", "history"),
    FindingSpec("paraesthesia_or_numbness", "bool", "Pins and needles or numbness", "history"),
    FindingSpec("pain_below_knee", "bool", "Pain below the knee", "history"),
    FindingSpec("back_pain", "bool", "Back pain", "history"),
    FindingSpec(
        "groin_pain_on_loading",
        "bool",
        "Groin or front-of-hip pain on weight-bearing, running or hopping",
        "history",
        help="a femoral neck bone stress injury presents this way in runners",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "previous_bone_stress_injury",
        "bool",
        "Previous stress fracture or bone stress injury",
        "history",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "postpartum",
        "bool",
        "Gave birth in the last 12 months",
        "history",
        help="pregnancy and breastfeeding lower bone density (pelvic and sacral bone stress)",
        since=ADDED_2026_12,
    ),
    FindingSpec("visa_h", "int", "VISA-H total (0-100)", "history", min=0, max=100),
    # Red-flag screen
    FindingSpec("weight_loss_unexplained", "bool", "Unexplained weight loss", "red_flags"),
    FindingSpec("fever", "bool", "Fever or feeling systemically unwell", "red_flags"),
    FindingSpec(
        "temperature_c",
        "number",
        "Temperature (°C)",
        "red_flags",
        min=30,
        max=45,
        help="measured today; 38.0 or more counts as fever",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "immunosuppressed",
        "bool",
        "Immunosuppression, injecting drug use or long-term oral steroids",
        "red_flags",
        since=ADDED_2026_12,
    ),
    FindingSpec("cancer_history", "bool", "History of cancer", "red_flags"),
    FindingSpec("saddle_anaesthesia", "bool", "Saddle numbness", "red_flags"),
    FindingSpec("bladder_bowel_change", "bool", "New bladder or bowel change", "red_flags"),
    FindingSpec(
        "sexual_dysfunction_new",
        "bool",
        "New sexual dysfunction (loss of genital sensation, erection or ejaculation)",
        "red_flags",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "bilateral_leg_symptoms",
        "bool",
        "Leg pain, numbness or weakness in both legs (bilateral sciatica)",
        "red_flags",
        help="in both legs now, or spreading from one leg to both",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "amenorrhoea_or_red_s_risk",
        "bool",
        "Menstrual disturbance, low energy availability or low bone density",
        "red_flags",
    ),
    FindingSpec(
        "neuro_deficit",
        "bool",
        "Objective neurological deficit (weakness, reflex or sensory loss)",
        "red_flags",
    ),
    FindingSpec(
        "neuro_deficit_extent",
        "choice",
        "Extent of the deficit",
        "red_flags",
        choices=("single_root", "multiple_roots", "bilateral"),
        help="one nerve root on one side; several roots; or both legs",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "neuro_deficit_progressive",
        "bool",
        "Deficit getting worse (over hours, days or weeks)",
        "red_flags",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "motor_grade_weakest",
        "int",
        "Power of the weakest muscle (Oxford scale 0-5)",
        "red_flags",
        min=0,
        max=5,
        help="5 is normal; record 4+ or 4- as 4",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "foot_drop",
        "bool",
        "Foot drop (ankle dorsiflexion 3/5 or weaker)",
        "red_flags",
        since=ADDED_2026_12,
    ),
    # Examination
    FindingSpec("puranen_orava", "test", "Puranen-Orava test", "examination", choices=TEST_RESULTS),
    FindingSpec(
        "bent_knee_stretch", "test", "Bent-knee stretch test", "examination", choices=TEST_RESULTS
    ),
    FindingSpec(
        "modified_bent_knee_stretch",
        "test",
        "Modified bent-knee stretch test",
        "examination",
        choices=TEST_RESULTS,
    ),
    FindingSpec(
        "tenderness_ischial_tuberosity",
        "bool",
        "Tenderness at the ischial tuberosity",
        "examination",
    ),
    FindingSpec(
        "tenderness_piriformis",
        "bool",
        "Tenderness at the sciatic notch / piriformis",
        "examination",
    ),
    FindingSpec("tenderness_sij", "bool", "Tenderness over the sacroiliac joint", "examination"),
    FindingSpec("single_leg_bridge_pain", "bool", "Pain on single-leg bridge", "examination"),
    FindingSpec("slr_positive", "bool", "Straight-leg raise reproduces leg pain", "examination"),
    FindingSpec("slump_positive", "bool", "Slump test positive", "examination"),
    FindingSpec(
        "hip_rotation_provocation_pain",
        "bool",
        "Pain on resisted or passive hip rotation (piriformis tests)",
        "examination",
    ),
    FindingSpec(
        "fadir_or_impingement_test_positive",
        "bool",
        "FADIR / hip impingement test positive",
        "examination",
    ),
    FindingSpec(
        "long_stride_walking_test_positive",
        "bool",
        "Long-stride walking test positive",
        "examination",
    ),
    FindingSpec(
        "sij_provocation_positive_count",
        "int",
        "Positive SIJ provocation tests (of 5, Laslett cluster)",
        "examination",
        min=0,
        max=5,
    ),
    FindingSpec("hop_test_pain", "bool", "Single-leg hop reproduces pain", "examination"),
    FindingSpec("bruising", "bool", "Bruising of the posterior thigh", "examination"),
    FindingSpec("palpable_gap", "bool", "Palpable gap at the hamstring origin", "examination"),
    FindingSpec("imaging", "object", "Imaging", "imaging"),
)

IMAGING_FINDINGS: tuple[FindingSpec, ...] = (
    FindingSpec("mri", "text", "MRI report", "imaging"),
    FindingSpec("ultrasound", "text", "Ultrasound report", "imaging"),
    FindingSpec("xray", "text", "X-ray report", "imaging"),
    FindingSpec("tendon_thickening", "bool", "Imaging: tendon thickening / swelling", "imaging"),
    FindingSpec("partial_tear", "bool", "Imaging: partial tear", "imaging"),
    FindingSpec("full_avulsion", "bool", "Imaging: full avulsion", "imaging"),
    FindingSpec("bone_marrow_oedema", "bool", "Imaging: bone marrow oedema", "imaging"),
    FindingSpec("stress_fracture", "bool", "Imaging: stress fracture", "imaging"),
    FindingSpec(
        "stress_fracture_site",
        "choice",
        "Imaging: site of the bone stress injury",
        "imaging",
        choices=(
            "femoral_neck_tension",
            "femoral_neck_compression",
            "femoral_neck",
            "sacrum",
            "pubic_ramus",
            "ischium",
            "other",
        ),
        help="femoral neck: tension side (superolateral), compression side (inferomedial), or "
        "side not stated",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "bone_stress_excluded",
        "bool",
        "Imaging: MRI excluded a bone stress injury",
        "imaging",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "apophyseal_avulsion",
        "bool",
        "Imaging: ischial apophyseal avulsion (bony fragment)",
        "imaging",
        since=ADDED_2026_12,
    ),
    FindingSpec(
        "apophyseal_displacement_mm",
        "number",
        "Imaging: displacement of the avulsed apophysis (mm)",
        "imaging",
        min=0,
        max=200,
        since=ADDED_2026_12,
    ),
    FindingSpec("bursa_distension", "bool", "Imaging: ischiogluteal bursa distension", "imaging"),
    FindingSpec(
        "reduced_ischiofemoral_space", "bool", "Imaging: reduced ischiofemoral space", "imaging"
    ),
    FindingSpec("quadratus_femoris_oedema", "bool", "Imaging: quadratus femoris oedema", "imaging"),
)

SPECS: dict[str, FindingSpec] = {spec.key: spec for spec in FINDINGS}
IMAGING_SPECS: dict[str, FindingSpec] = {spec.key: spec for spec in IMAGING_FINDINGS}


def label(key: str) -> str:
    """The plain label of a finding; imaging flags are written ``imaging.<flag>``."""
    if key.startswith("imaging."):
        return IMAGING_SPECS[key.removeprefix("imaging.")].label
    return SPECS[key].label


class FindingsError(ValueError):
    """Invalid findings. ``errors`` lists every problem, one message per key."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("invalid findings:\n" + "\n".join(f"- {e}" for e in self.errors))


def validate(raw: object) -> dict[str, Any]:
    """Check ``raw`` against the vocabulary and return a clean copy.

    Raises ``FindingsError`` listing every unknown key and every bad value together.
    """
    if not isinstance(raw, Mapping):
        raise FindingsError([f"findings must be an object of key/value pairs, got {_kind(raw)}"])
    errors: list[str] = []
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            errors.append(f"{key!r}: finding keys must be strings")
            continue
        spec = SPECS.get(key)
        if spec is None:
            errors.append(_unknown(key, SPECS, "finding"))
            continue
        if spec.kind == "object":
            clean[key] = _validate_imaging(value, errors)
            continue
        ok, cleaned, message = _check(spec, value)
        if ok:
            clean[key] = cleaned
        else:
            errors.append(f"{key}: {message}")
    if errors:
        raise FindingsError(errors)
    return clean


def flatten(findings: Mapping[str, Any]) -> dict[str, Any]:
    """The view the rules read: imaging findings as ``imaging.<key>``, free text left out."""
    flat: dict[str, Any] = {}
    for key, value in findings.items():
        if key == "imaging":
            for flag, flag_value in value.items():
                if IMAGING_SPECS[flag].kind != "text":
                    flat[f"imaging.{flag}"] = flag_value
        elif SPECS[key].kind != "text":
            flat[key] = value
    return flat


def _validate_imaging(value: object, errors: list[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        errors.append(f"imaging: expected an object of imaging findings, got {_kind(value)}")
        return {}
    clean: dict[str, Any] = {}
    for key, item in value.items():
        spec = IMAGING_SPECS.get(key) if isinstance(key, str) else None
        if spec is None:
            errors.append(_unknown(f"imaging.{key}", IMAGING_SPECS, "imaging finding", key))
            continue
        ok, cleaned, message = _check(spec, item)
        if ok:
            clean[key] = cleaned
        else:
            errors.append(f"imaging.{key}: {message}")
    return clean


# (ok, cleaned value, error message) for one value.
type _Checked = tuple[bool, Any, str]


def _check(spec: FindingSpec, value: object) -> _Checked:
    """(ok, cleaned value, error message) for one value."""
    if value is None:
        return False, None, "null is not a value; leave the key out when it was not examined"
    check = _CHECKS.get(spec.kind)
    if check is None:
        raise AssertionError(f"unhandled kind {spec.kind}")  # pragma: no cover
    return check(spec, value)


def _check_bool(spec: FindingSpec, value: object) -> _Checked:
    if isinstance(value, bool):
        return True, value, ""
    return False, None, f"expected true or false, got {_kind(value)} {value!r}"


def _check_int(spec: FindingSpec, value: object) -> _Checked:
    # bool is a subclass of int in Python; a checkbox value is not a count.
    if type(value) is not int:
        return False, None, f"expected a whole number, got {_kind(value)} {value!r}"
    return _in_range(spec, value)


def _check_number(spec: FindingSpec, value: object) -> _Checked:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False, None, f"expected a number, got {_kind(value)} {value!r}"
    if not math.isfinite(value):
        return False, None, f"expected a finite number, got {value!r}"
    return _in_range(spec, value)


def _check_choice(spec: FindingSpec, value: object) -> _Checked:
    if isinstance(value, str) and value in spec.choices:
        return True, value, ""
    return False, None, f"expected one of {_or(spec.choices)}, got {value!r}"


def _check_test(spec: FindingSpec, value: object) -> _Checked:
    # The vocabulary: a negative test is recorded as "negative" (or false).
    if isinstance(value, bool):
        return True, "positive" if value else "negative", ""
    if isinstance(value, str) and value in spec.choices:
        return True, value, ""
    return False, None, f'expected "positive" or "negative", got {value!r}'


def _check_multi(spec: FindingSpec, value: object) -> _Checked:
    if not isinstance(value, list | tuple):
        return False, None, f"expected a list of {_or(spec.choices)}, got {value!r}"
    bad = [item for item in value if not (isinstance(item, str) and item in spec.choices)]
    if bad:
        return (
            False,
            None,
            f"unknown value(s) {', '.join(repr(b) for b in bad)}; "
            f"expected any of {_or(spec.choices)}",
        )
    if len(set(value)) != len(value):
        return False, None, "a value is listed more than once"
    return True, list(value), ""


def _check_text(spec: FindingSpec, value: object) -> _Checked:
    if not isinstance(value, str):
        return False, None, f"expected text, got {_kind(value)} {value!r}"
    if len(value) > MAX_TEXT_LENGTH:
        return False, None, f"text longer than {MAX_TEXT_LENGTH} characters"
    return True, value, ""


# One check per kind; "object" (imaging) is validated key by key in _validate_imaging.
_CHECKS: dict[Kind, Callable[[FindingSpec, object], _Checked]] = {
    "bool": _check_bool,
    "int": _check_int,
    "number": _check_number,
    "choice": _check_choice,
    "test": _check_test,
    "multi": _check_multi,
    "text": _check_text,
}


def _in_range(spec: FindingSpec, value: float) -> _Checked:
    if spec.min is not None and value < spec.min:
        return False, None, f"must be at least {spec.min}, got {value!r}"
    if spec.max is not None and value > spec.max:
        return False, None, f"must be at most {spec.max}, got {value!r}"
    return True, value, ""


def _unknown(shown: str, known: Mapping[str, object], what: str, name: str | None = None) -> str:
    close = difflib.get_close_matches(name or shown, list(known), n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return f"{shown}: unknown {what}{hint}; see docs/findings.md for the vocabulary"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    if value is None:
        return "null"
    return type(value).__name__


def _or(choices: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in choices)
