"""``python -m pht.rules``: JSON in, JSON out, exit status 2 on bad input."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pht.rules", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_one_object_in_one_object_out(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"modified_bent_knee_stretch": "positive"}))
    result = run(str(case), "--pre-test", "0.5")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["pht_probability"]["post_test"] == 10.2 / 11.2
    assert set(output) >= {"rules_version", "differentials", "red_flags", "stage"}


def test_a_list_in_gives_a_list_out_in_order(tmp_path: Path) -> None:
    case = tmp_path / "cases.json"
    case.write_text(json.dumps([{"saddle_anaesthesia": True}, {}]))
    result = run(str(case))
    assert result.returncode == 0, result.stderr
    first, second = json.loads(result.stdout)
    assert [flag["slug"] for flag in first["red_flags"]] == ["cauda_equina"]
    assert second["red_flags"] == []


def test_stdin_is_read_with_a_dash() -> None:
    result = run("-", stdin="{}")
    assert result.returncode == 0
    assert json.loads(result.stdout)["findings"] == {}


def test_missing_file_exits_2() -> None:
    result = run("/no/such/case.json")
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert result.stdout == ""


def test_bad_json_exits_2(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text("{not json")
    result = run(str(case))
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


def test_invalid_findings_exit_2_listing_every_problem(tmp_path: Path) -> None:
    case = tmp_path / "cases.json"
    case.write_text(json.dumps([{"age": "old", "colour": "red"}, {"fever": 1}]))
    result = run(str(case))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("error: case 0: age:")
    assert lines[1].startswith("error: case 0: colour:")
    assert lines[2].startswith("error: case 1: fever:")


def test_bad_pre_test_exits_2(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text("{}")
    result = run(str(case), "--pre-test", "1.5")
    assert result.returncode == 2
    assert "pre_test_probability" in result.stderr


def test_runs_without_django_in_the_process(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text("{}")
    code = (
        "import sys, runpy; sys.argv = ['pht.rules', sys.argv[1]];"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: runpy.run_module('pht.rules', run_name='__main__')\n"
        "    except SystemExit: pass\n"
        "print('django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(case)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "False", result.stderr
