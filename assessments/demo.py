"""Demo clinics, users, patients, assessments and VISA-H questionnaires for ``seed_demo``.

The assessments cover every stage, red flags and mimics.

Each case is written in the findings vocabulary (docs/findings.md) from the presentations in
docs/rules.md.
All writes go through the services, so the demo has real snapshots, history and audit rows.
"""

import datetime

from django.utils import timezone

from assessments import reasoning, services
from assessments.models import Assessment, Patient
from pht.audit import Actor
from pht.models import Clinic, Membership, User
from pht.rules.screen import SCREEN_KEYS

PHT_BASE = {
    "onset": "gradual",
    "pain_location": ["ischial_tuberosity", "deep_buttock"],
    "pain_with_sitting": True,
    "pain_running_uphill_or_speed": True,
    "pain_warms_up_with_activity": True,
    "tenderness_ischial_tuberosity": True,
    "slr_positive": False,
    "neuro_deficit": False,
    "saddle_anaesthesia": False,
    "bladder_bowel_change": False,
    "fever": False,
    "weight_loss_unexplained": False,
    "cancer_history": False,
}
TESTS_POSITIVE = {
    "puranen_orava": "positive",
    "bent_knee_stretch": "positive",
    "modified_bent_knee_stretch": "positive",
}
TESTS_NEGATIVE = {
    "puranen_orava": "negative",
    "bent_knee_stretch": "negative",
    "modified_bent_knee_stretch": "negative",
}

# The red-flag screen answered "no". Signed demo assessments had the screen done (answers a case
# does not state are "no"), except DPC-1013, which shows a sign-off with the reason it was not.
SCREEN_NO = dict.fromkeys(SCREEN_KEYS, False)
NOT_SCREENED = {
    "DPC-1013": "Telephone review: the screening questions were deferred to the next visit.",
}

# identifier -> list of (days ago, findings, extra fields, sign?, red-flag action, VISA-H answers)
CASES = {
    "DPC-1001": [  # reactive, then settling
        (
            56,
            {
                **PHT_BASE,
                **TESTS_POSITIVE,
                "duration_weeks": 4,
                "recent_training_load_change": True,
                "previous_episodes": False,
                "night_pain": True,
                "pain_worse_after_activity": True,
                "sitting_tolerance_min": 10,
                "pain_nprs_now": 5,
                "pain_nprs_worst": 8,
            },
            {
                "side": "left",
                "working_diagnosis": "proximal_hamstring_tendinopathy",
                "plan_notes": "Relative rest from speed work; isometrics; sitting cushion.",
            },
            True,
            "",
            {"q1": 2, "q2": 5, "q3": 3, "q4": 4, "q5": 6, "q6": 3, "q7": 1, "q8c": 2},
        ),
        (
            14,
            {
                **PHT_BASE,
                **TESTS_POSITIVE,
                "duration_weeks": 10,
                "recent_training_load_change": False,
                "previous_episodes": False,
                "night_pain": False,
                "pain_worse_after_activity": True,
                "sitting_tolerance_min": 35,
                "pain_nprs_now": 2,
                "pain_nprs_worst": 5,
            },
            {
                "side": "left",
                "working_diagnosis": "proximal_hamstring_tendinopathy",
                "plan_notes": "Progress to isotonic loading with little hip flexion.",
            },
            True,
            "",
            {"q1": 6, "q2": 7, "q3": 5, "q4": 6, "q5": 8, "q6": 5, "q7": 2, "q8b": 2},
        ),
    ],
    "DPC-1002": [  # degenerative, older runner, recurrent
        (
            70,
            {
                **PHT_BASE,
                **TESTS_POSITIVE,
                "duration_weeks": 60,
                "recent_training_load_change": False,
                "previous_episodes": True,
                "night_pain": False,
                "pain_worse_after_activity": False,
                "sitting_tolerance_min": 45,
                "pain_nprs_now": 2,
                "pain_nprs_worst": 5,
                "imaging": {
                    "mri": "Thickened common hamstring origin with interstitial partial tear.",
                    "tendon_thickening": True,
                    "partial_tear": True,
                },
            },
            {"side": "right", "working_diagnosis": "proximal_hamstring_tendinopathy"},
            True,
            "",
            {"q1": 5, "q2": 6, "q3": 4, "q4": 5, "q5": 7, "q6": 4, "q7": 1, "q8b": 1},
        ),
        (
            7,
            {
                **PHT_BASE,
                **TESTS_POSITIVE,
                "duration_weeks": 69,
                "recent_training_load_change": False,
                "previous_episodes": True,
                "night_pain": False,
                "pain_worse_after_activity": False,
                "sitting_tolerance_min": 90,
                "pain_nprs_now": 1,
                "pain_nprs_worst": 3,
            },
            {"side": "right", "working_diagnosis": "proximal_hamstring_tendinopathy"},
            True,
            "",
            {"q1": 8, "q2": 8, "q3": 7, "q4": 7, "q5": 9, "q6": 7, "q7": 2, "q8a": 2},
        ),
    ],
    "DPC-1003": [  # reactive-on-degenerative: recurrent, flare after a load spike
        (
            10,
            {
                **PHT_BASE,
                **TESTS_POSITIVE,
                "duration_weeks": 40,
                "recent_training_load_change": True,
                "previous_episodes": True,
                "night_pain": True,
                "pain_worse_after_activity": True,
                "sitting_tolerance_min": 10,
                "pain_nprs_now": 6,
                "pain_nprs_worst": 8,
            },
            {"side": "left", "working_diagnosis": "proximal_hamstring_tendinopathy"},
            True,
            "",
            {"q1": 2, "q2": 4, "q3": 2, "q4": 3, "q5": 5, "q6": 2, "q7": 1, "q8c": 1},
        ),
    ],
    "DPC-1004": [  # disrepair: a few months, mixed picture
        (
            21,
            {
                **PHT_BASE,
                "puranen_orava": "positive",
                "modified_bent_knee_stretch": "positive",
                "duration_weeks": 14,
                "previous_episodes": False,
                "pain_worse_after_activity": True,
                "night_pain": False,
                "sitting_tolerance_min": 40,
                "pain_nprs_now": 3,
                "pain_nprs_worst": 6,
            },
            {"side": "right", "working_diagnosis": "proximal_hamstring_tendinopathy"},
            True,
            "",
            {"q1": 5, "q2": 6, "q3": 4, "q4": 5, "q5": 6, "q6": 4, "q7": 1, "q8b": 2},
        ),
    ],
    "DPC-1005": [  # adolescent sprinter: apophyseal injury, X-ray
        (
            3,
            {
                "onset": "sudden",
                "mechanism": "Felt a pop out of the blocks in a 100 m sprint",
                "duration_weeks": 0.5,
                "pain_location": ["ischial_tuberosity"],
                "pain_nprs_now": 5,
                "pain_nprs_worst": 8,
                "tenderness_ischial_tuberosity": True,
                "bruising": False,
            },
            {
                "side": "right",
                "working_diagnosis": "ischial_apophysitis_or_avulsion",
                "plan_notes": "Pelvic X-ray requested; no sprinting until reviewed.",
            },
            True,
            "",
            None,
        ),
    ],
    "DPC-1006": [  # lumbar radiculopathy: provocation tests negative
        (
            12,
            {
                "onset": "gradual",
                "duration_weeks": 6,
                "back_pain": True,
                "pain_below_knee": True,
                "paraesthesia_or_numbness": True,
                "pain_location": ["lower_back", "posterior_thigh", "below_knee"],
                "slr_positive": True,
                "slump_positive": True,
                **TESTS_NEGATIVE,
                "tenderness_ischial_tuberosity": False,
                "pain_nprs_now": 5,
                "pain_nprs_worst": 7,
                "saddle_anaesthesia": False,
                "bladder_bowel_change": False,
                "neuro_deficit": False,
            },
            {
                "side": "left",
                "working_diagnosis": "lumbar_radiculopathy",
                "plan_notes": "Directional preference assessment; monitor neurology.",
            },
            True,
            "",
            None,
        ),
    ],
    "DPC-1007": [  # deep gluteal syndrome
        (
            9,
            {
                "onset": "gradual",
                "duration_weeks": 12,
                "pain_location": ["deep_buttock", "posterior_thigh"],
                "pain_with_sitting": True,
                "sitting_tolerance_min": 20,
                "paraesthesia_or_numbness": True,
                "tenderness_piriformis": True,
                "hip_rotation_provocation_pain": True,
                "tenderness_ischial_tuberosity": False,
                "modified_bent_knee_stretch": "negative",
                "back_pain": False,
            },
            {"side": "right", "working_diagnosis": "deep_gluteal_syndrome"},
            True,
            "",
            None,
        ),
    ],
    "DPC-1008": [  # suspected malignancy: an unresolved urgent red flag (draft)
        (
            1,
            {
                "onset": "gradual",
                "duration_weeks": 8,
                "cancer_history": True,
                "weight_loss_unexplained": True,
                "night_pain": True,
                "pain_location": ["deep_buttock"],
                "pain_nprs_now": 6,
                "pain_nprs_worst": 8,
            },
            {
                "side": "left",
                "clinical_notes": "Prostate cancer treated 2019. Constant pain, worse at night.",
            },
            False,
            "",
            None,
        ),
    ],
    "DPC-1009": [  # bone stress injury risk, signed with referral
        (
            5,
            {
                "onset": "gradual",
                "duration_weeks": 3,
                "recent_training_load_change": True,
                "amenorrhoea_or_red_s_risk": True,
                "hop_test_pain": True,
                "pain_location": ["deep_buttock", "groin"],
                "pain_nprs_now": 4,
                "pain_nprs_worst": 7,
            },
            {
                "side": "left",
                "working_diagnosis": "stress_fracture",
                "plan_notes": "Stop running; urgent MRI requested via sports physician.",
            },
            True,
            "referral_made",
            None,
        ),
    ],
    "DPC-1010": [  # acute avulsion, referred for a surgical opinion
        (
            2,
            {
                "onset": "sudden",
                "mechanism": "Water-skiing fall, forced hip flexion with the knee straight",
                "duration_weeks": 0.3,
                "bruising": True,
                "palpable_gap": True,
                "pain_location": ["ischial_tuberosity", "posterior_thigh"],
                "pain_nprs_now": 6,
                "pain_nprs_worst": 9,
            },
            {
                "side": "right",
                "working_diagnosis": "proximal_hamstring_avulsion",
                "plan_notes": "Urgent orthopaedic referral sent; crutches.",
            },
            True,
            "referral_made",
            None,
        ),
    ],
    "DPC-1011": [  # early draft: few findings, stage uncertain
        (
            0,
            {
                "onset": "gradual",
                "pain_location": ["ischial_tuberosity"],
                "pain_with_sitting": True,
            },
            {"side": "left"},
            False,
            "",
            None,
        ),
    ],
    "DPC-1012": [  # sacroiliac joint pain
        (
            18,
            {
                "onset": "gradual",
                "duration_weeks": 10,
                "pain_location": ["lower_back", "deep_buttock"],
                "tenderness_sij": True,
                "sij_provocation_positive_count": 4,
                "back_pain": True,
                "pain_below_knee": False,
                **TESTS_NEGATIVE,
            },
            {"side": "left", "working_diagnosis": "sacroiliac_joint_pain"},
            True,
            "",
            None,
        ),
    ],
    "DPC-1013": [  # ischiofemoral impingement
        (
            25,
            {
                "onset": "gradual",
                "duration_weeks": 20,
                "pain_location": ["deep_buttock", "lateral_hip"],
                "long_stride_walking_test_positive": True,
                "modified_bent_knee_stretch": "negative",
                "imaging": {
                    "mri": "Narrowed ischiofemoral space (11 mm) with quadratus femoris oedema.",
                    "reduced_ischiofemoral_space": True,
                    "quadratus_femoris_oedema": True,
                },
            },
            {"side": "right", "working_diagnosis": "ischiofemoral_impingement"},
            True,
            "",
            None,
        ),
    ],
}

DEFAULT_FIELDS = {
    "side": "",
    "puranen_orava_pain": None,
    "puranen_orava_side": "",
    "bent_knee_stretch_pain": None,
    "bent_knee_stretch_side": "",
    "modified_bent_knee_stretch_pain": None,
    "modified_bent_knee_stretch_side": "",
    "pre_test_probability": None,
    "working_diagnosis": "",
    "working_diagnosis_text": "",
    "clinical_notes": "",
    "plan_notes": "",
}


def _test_details(findings: dict, side: str) -> dict:
    details = {}
    for test in ("puranen_orava", "bent_knee_stretch", "modified_bent_knee_stretch"):
        if test in findings:
            details[f"{test}_side"] = side if side in ("left", "right") else "both"
            details[f"{test}_pain"] = 6 if findings[test] == "positive" else 1
    return details


def seed_demo_assessments(*, clinic, clinician) -> int:
    """Create the demo assessments for patients that have none yet. Returns how many."""
    actor = Actor(clinician, clinic)
    today = timezone.localdate()
    created = 0
    for identifier, rows in CASES.items():
        patient = Patient.objects.filter(clinic=clinic, identifier=identifier).first()
        if patient is None or Assessment.objects.filter(patient=patient).exists():
            continue
        for days_ago, findings, fields, sign, action, visa_answers in rows:
            day = today - datetime.timedelta(days=days_ago)
            if sign and identifier not in NOT_SCREENED:
                findings = {**SCREEN_NO, **findings}
            data = {**DEFAULT_FIELDS, **fields, "assessed_on": day}
            data.update(_test_details(findings, data["side"]))
            entry = reasoning.prepare_from_columns(patient=patient, recorded=findings, columns=data)
            assessment = services.create_assessment(actor=actor, patient=patient, entry=entry)
            if visa_answers:
                services.record_visa_h(
                    actor=actor,
                    patient=patient,
                    answers=visa_answers,
                    completed_on=day,
                    assessment=assessment,
                )
                assessment.refresh_from_db()
            if sign:
                services.sign_assessment(
                    actor=actor,
                    assessment=assessment,
                    lock_version=assessment.lock_version,
                    red_flag_action=action
                    or ("referral_made" if assessment.needs_red_flag_action else ""),
                    red_flag_action_note="Referred the same day."
                    if assessment.needs_red_flag_action
                    else "",
                    red_flag_screen_reason=NOT_SCREENED.get(identifier, ""),
                )
            created += 1
    return created


# --- Clinics, users and patients ------------------------------------------------------------

DEMO_PASSWORD = "pht-demo-2026"
DEMO_CLINIC = "Demo Physio Clinic"
OTHER_CLINIC = "Other Clinic"

# username, first name, last name, clinic, role
DEMO_USERS = [
    ("physio", "Priya", "Shah", DEMO_CLINIC, Membership.Role.CLINICIAN),
    ("clinicadmin", "Tom", "Okafor", DEMO_CLINIC, Membership.Role.CLINIC_ADMIN),
    ("otherphysio", "Lena", "Fischer", OTHER_CLINIC, Membership.Role.CLINICIAN),
]

# identifier, given, family, date of birth, sex, notes
DEMO_PATIENTS = [
    (
        "DPC-1001",
        "Hannah",
        "Clarke",
        "1988-03-14",
        "female",
        "Marathon runner, training for spring race.",
    ),
    ("DPC-1002", "James", "O'Brien", "1979-11-02", "male", "Club 10k runner; desk job."),
    ("DPC-1003", "Aisha", "Rahman", "1995-06-21", "female", "Hockey player."),
    (
        "DPC-1004",
        "Tomasz",
        "Nowak",
        "1969-01-30",
        "male",
        "Trail runner, hill sessions twice weekly.",
    ),
    (
        "DPC-1005",
        "Chloe",
        "Bennett",
        "2009-09-09",
        "female",
        "Sprinter and hurdler (school athletics).",
    ),
    ("DPC-1006", "Marcus", "Reid", "1983-04-18", "male", "Footballer, Sunday league."),
    ("DPC-1007", "Sofia", "Rossi", "1974-12-05", "female", "Yoga teacher and recreational runner."),
    ("DPC-1008", "David", "Evans", "1958-07-27", "male", "Parkrun regular."),
    ("DPC-1009", "Grace", "Adeyemi", "1991-02-11", "female", "Triathlete."),
    ("DPC-1010", "Liam", "Murphy", "1999-08-23", "male", "Water-skier; referred after a fall."),
    ("DPC-1011", "Emily", "Walsh", "1986-05-03", "female", "Ultra-distance runner."),
    ("DPC-1012", "Ravi", "Patel", "1965-10-16", "male", "Returning to running after a long break."),
    (
        "DPC-1013",
        "Isabel",
        "Moreno",
        "1977-03-29",
        "female",
        "Pilates instructor; long hours driving.",
    ),
    ("DPC-1014", "Oliver", "Hughes", "2002-12-12", "male", "University rugby player."),
]

OTHER_PATIENTS = [
    ("OC-2001", "Karin", "Lindqvist", "1981-04-07", "female", "Orienteer."),
    ("OC-2002", "Peter", "Novak", "1972-09-19", "male", "Cyclist and runner."),
    ("OC-2003", "Mei", "Tanaka", "1993-01-25", "female", "Dancer."),
]


# New demo patients continue each clinic's series (DPC-1015, OC-2004); /clinic/settings/.
DEMO_NUMBERING = {
    DEMO_CLINIC: {"identifier_prefix": "DPC", "next_identifier_number": 1015},
    OTHER_CLINIC: {"identifier_prefix": "OC", "next_identifier_number": 2004},
}


def seed_demo_people() -> tuple[dict[str, Clinic], dict[str, User], int]:
    """The demo clinics, users (passwords reset) and patients; returns them and how many
    patients were new. Patients are created through the services, so they are audited."""
    clinics = {
        name: Clinic.objects.get_or_create(name=name, defaults=DEMO_NUMBERING[name])[0]
        for name in (DEMO_CLINIC, OTHER_CLINIC)
    }
    users = {}
    for username, first, last, clinic_name, role in DEMO_USERS:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.update_or_create(
            user=user, clinic=clinics[clinic_name], defaults={"role": role}
        )
        users[username] = user
    created = _seed_patients(Actor(users["physio"], clinics[DEMO_CLINIC]), DEMO_PATIENTS)
    created += _seed_patients(Actor(users["otherphysio"], clinics[OTHER_CLINIC]), OTHER_PATIENTS)
    return clinics, users, created


def _seed_patients(actor: Actor, rows) -> int:
    created = 0
    for identifier, given, family, dob, sex, notes in rows:
        if Patient.objects.filter(clinic=actor.clinic, identifier__iexact=identifier).exists():
            continue
        services.create_patient(
            actor=actor,
            data={
                "identifier": identifier,
                "given_name": given,
                "family_name": family,
                "date_of_birth": datetime.date.fromisoformat(dob),
                "sex": sex,
                "notes": notes,
            },
        )
        created += 1
    return created
