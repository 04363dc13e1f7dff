"""Run the published-case validation set through the rules and print the figures (``make validate``).

Every vignette in ``tests/rules/validation/*.json`` is evaluated by the command line
(``python -m pht.rules``), exactly as a user of the rules would run it. Printed:

- top-1: the headline is the source's diagnosis (or an accepted alternative);
- top-5: the source's diagnosis is among the first five ranked;
- must-include: every diagnosis that must be considered is among the first five;
- red-flag sensitivity per urgency: a vignette needing ``emergency``/``urgent``/``soon`` got a
  flag at least that urgent (and the required flags were raised);
- false urgent alarms: vignettes that need no urgent referral (``soon`` or ``routine``) that got
  an urgent or emergency flag;
- hazardous suggestions: a hop or single-leg loading test suggested for a vignette whose source
  diagnosis is a bone stress injury, or while the rules' own bone-stress suspicion is open;
- stage agreement, where the source allows a stage;
- a confusion table (source diagnosis by headline).

``--rules PATH`` evaluates with the ``pht.rules`` package found under PATH instead (for example
an older checkout, to compare versions); keys that version does not know are dropped first and
the report says how many. ``--json`` prints the figures as JSON. The exit status is 0 unless the
set or the command line fails.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "tests" / "rules" / "validation"
URGENCIES = ("emergency", "urgent", "soon", "routine")
RANK = {urgency: rank for rank, urgency in enumerate(URGENCIES)}
LOADING_TESTS = {"hop_test_pain", "single_leg_bridge_pain"}
BONE_FLAGS = {"femoral_neck_bone_stress", "bone_stress_injury"}
SHORT = {
    "proximal_hamstring_tendinopathy": "PHT",
    "deep_gluteal_syndrome": "DGS",
    "lumbar_radiculopathy": "RAD",
    "lumbar_referred_pain": "LRP",
    "sacroiliac_joint_pain": "SIJ",
    "ischiofemoral_impingement": "IFI",
    "ischiogluteal_bursitis": "BUR",
    "hamstring_syndrome": "HSY",
    "proximal_hamstring_avulsion": "AVU",
    "ischial_apophysitis_or_avulsion": "APO",
    "stress_fracture": "BSI",
    "malignancy_or_infection": "M/I",
    "cauda_equina": "CES",
    None: "none",
}


def superseded() -> dict[str, set[str]]:
    """Which flags a more urgent flag replaces (current rules)."""
    sys.path.insert(0, str(ROOT))
    from pht.rules.red_flags import RED_FLAG_RULES

    return {rule.slug: set(rule.superseded_by) for rule in RED_FLAG_RULES}


SUPERSEDED = superseded()


def load_set() -> list[dict]:
    vignettes = []
    for path in sorted(SET.glob("*.json")):
        for vignette in json.loads(path.read_text(encoding="utf-8")):
            vignette["_file"] = path.name
            vignettes.append(vignette)
    return vignettes


def known_keys(rules_path: Path) -> tuple[set[str], set[str]]:
    code = (
        "import json; from pht.rules.findings import FINDINGS, IMAGING_FINDINGS; "
        "print(json.dumps([[s.key for s in FINDINGS], [s.key for s in IMAGING_FINDINGS]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=rules_path,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(rules_path)},
    ).stdout
    keys, imaging = json.loads(out)
    return set(keys), set(imaging)


def restrict(findings: dict, keys: set[str], imaging: set[str]) -> tuple[dict, int]:
    dropped = 0
    out = {}
    for key, value in findings.items():
        if key == "imaging":
            kept = {k: v for k, v in value.items() if k in imaging}
            dropped += len(value) - len(kept)
            if kept:
                out[key] = kept
        elif key in keys:
            out[key] = value
        else:
            dropped += 1
    return out, dropped


def evaluate_all(vignettes: list[dict], rules_path: Path) -> tuple[list[dict], int]:
    keys, imaging = known_keys(rules_path)
    cases, dropped = [], 0
    for vignette in vignettes:
        findings, lost = restrict(vignette["findings"], keys, imaging)
        cases.append(findings)
        dropped += lost
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(cases, handle)
        path = handle.name
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pht.rules", path],
            cwd=rules_path,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(rules_path)},
        )
    finally:
        os.unlink(path)
    if result.returncode != 0:
        sys.exit(f"python -m pht.rules failed:\n{result.stderr}")
    return json.loads(result.stdout), dropped


def headline(evaluation: dict) -> str | None:
    if "top" in evaluation:
        top = evaluation["top"]
        return top["slug"] if top else None
    first = evaluation["differentials"][0]  # earlier versions: the first-ranked diagnosis
    return first["slug"]


def highest(evaluation: dict) -> str:
    urgencies = [flag["urgency"] for flag in evaluation["red_flags"]]
    return min(urgencies, key=RANK.__getitem__, default="routine")


def percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "n/a"


def measure(vignettes: list[dict], evaluations: list[dict]) -> dict:
    top1 = top5 = must = 0
    sensitivity = {urgency: [0, 0] for urgency in URGENCIES[:3]}
    flags_required = [0, 0]
    needs_no_urgent = alarms = over_triage = 0
    hazardous: list[str] = []
    stage = [0, 0]
    stage_named = [0, 0]  # only where the source gives a tendon stage
    confusion: dict[str, Counter] = defaultdict(Counter)
    misses: list[str] = []
    undergraded: list[str] = []
    false_alarms: list[str] = []
    stage_misses: list[str] = []
    for vignette, evaluation in zip(vignettes, evaluations, strict=True):
        expected = vignette["expected"]
        right = {expected["diagnosis"], *expected.get("acceptable", [])}
        got = headline(evaluation)
        ranked = [d["slug"] for d in evaluation["differentials"]]
        confusion[expected["diagnosis"]][got] += 1
        if got in right:
            top1 += 1
        else:
            misses.append(f"{vignette['id']}: expected {expected['diagnosis']}, got {got}")
        top5 += expected["diagnosis"] in ranked[:5]
        must += all(slug in ranked[:5] for slug in expected.get("must_include", []))

        want, raised = expected["urgency"], highest(evaluation)
        if want != "routine":
            sensitivity[want][1] += 1
            if RANK[raised] <= RANK[want]:
                sensitivity[want][0] += 1
            else:
                undergraded.append(f"{vignette['id']}: needs {want}, got {raised}")
        else:
            pass
        if RANK[raised] < RANK[want]:
            over_triage += 1
        if want in ("soon", "routine"):
            needs_no_urgent += 1
            if raised in ("emergency", "urgent"):
                alarms += 1
                false_alarms.append(f"{vignette['id']}: needs {want}, got {raised}")
        required = set(expected.get("flags", []))
        if required:
            flags_required[1] += 1
            slugs = {flag["slug"] for flag in evaluation["red_flags"]}
            # A flag replaced by a more urgent one about the same structure counts as raised.
            covered = slugs | {slug for slug, by in SUPERSEDED.items() if by & slugs}
            flags_required[0] += required <= covered

        suggested = {test["finding"] for test in evaluation.get("next_tests", [])}
        own_suspicion = {flag["slug"] for flag in evaluation["red_flags"]} & BONE_FLAGS
        true_bone = (
            expected["diagnosis"] == "stress_fracture"
            or set(expected.get("flags", [])) & BONE_FLAGS
        )
        if suggested & LOADING_TESTS and (true_bone or own_suspicion):
            hazardous.append(f"{vignette['id']}: suggests {sorted(suggested & LOADING_TESTS)}")

        if "stage" in expected:
            stage[1] += 1
            got_stage = (evaluation.get("stage") or {}).get("slug")
            if expected["stage"] is not None:
                stage_named[1] += 1
                stage_named[0] += got_stage == expected["stage"]
            if got_stage == expected["stage"]:
                stage[0] += 1
            else:
                stage_misses.append(
                    f"{vignette['id']}: expected {expected['stage']}, got {got_stage}"
                )
    return {
        "vignettes": len(vignettes),
        "top1": [top1, len(vignettes)],
        "top5": [top5, len(vignettes)],
        "must_include": [must, len(vignettes)],
        "sensitivity": sensitivity,
        "flags_required": flags_required,
        "false_urgent_alarms": [alarms, needs_no_urgent],
        "over_triage": over_triage,
        "hazardous": hazardous,
        "stage": stage,
        "stage_named": stage_named,
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "misses": misses,
        "undergraded": undergraded,
        "false_alarms": false_alarms,
        "stage_misses": stage_misses,
    }


def print_report(figures: dict, version: str, dropped: int, vignettes: list[dict]) -> None:
    print(f"Validation set: {figures['vignettes']} published-case vignettes; rules {version}")
    if dropped:
        print(f"({dropped} findings unknown to this rules version were dropped first)")
    by_diagnosis = Counter(v["expected"]["diagnosis"] for v in vignettes)
    print(
        "By source diagnosis: "
        + ", ".join(f"{SHORT[k]} {n}" for k, n in sorted(by_diagnosis.items()))
    )
    print()
    print(f"top-1 (headline right)             {percent(*figures['top1'])}")
    print(f"top-5                              {percent(*figures['top5'])}")
    print(f"must-include in the first five     {percent(*figures['must_include'])}")
    for urgency, (hit, total) in figures["sensitivity"].items():
        print(f"red-flag sensitivity, {urgency:<10}   {percent(hit, total)}")
    print(
        f"required flags raised (or replaced by a more urgent one) {percent(*figures['flags_required'])}"
    )
    print(f"false urgent alarms                {percent(*figures['false_urgent_alarms'])}")
    print(f"over-triage (any grade too high)   {figures['over_triage']}")
    print(f"hazardous suggestions              {len(figures['hazardous'])}")
    print(f"stage agreement (incl. 'no stage') {percent(*figures['stage'])}")
    print(f"  where the source gives a stage   {percent(*figures['stage_named'])}")
    print()
    columns = [slug for slug in SHORT if slug is not None] + [None]
    print("Confusion (rows: source diagnosis; columns: headline)")
    print("      " + " ".join(f"{SHORT[c]:>4}" for c in columns))
    for row in columns[:-1]:
        counts = figures["confusion"].get(row, {})
        if not counts:
            continue
        cells = " ".join(f"{counts.get(c, 0) or '.':>4}" for c in columns)
        print(f"{SHORT[row]:>5} {cells}")
    for title, key in (
        ("Top-1 misses", "misses"),
        ("Under-graded", "undergraded"),
        ("False urgent alarms", "false_alarms"),
        ("Hazardous suggestions", "hazardous"),
        ("Stage disagreements", "stage_misses"),
    ):
        if figures[key]:
            print()
            print(f"{title}:")
            for line in figures[key]:
                print(f"  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=ROOT, help="where pht/rules lives")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    vignettes = load_set()
    evaluations, dropped = evaluate_all(vignettes, args.rules.resolve())
    version = evaluations[0]["rules_version"] if evaluations else "?"
    figures = measure(vignettes, evaluations)
    if args.json:
        print(json.dumps({"rules_version": version, "dropped": dropped, **figures}, indent=2))
    else:
        print_report(figures, version, dropped, vignettes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
