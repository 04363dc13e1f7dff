"""``pht.rules`` is pure: no Django, no I/O, no global mutable state reached through imports.

Every module under ``pht/rules`` is checked, sub-packages (``pht/rules/rehab/``) included.
"""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "pht" / "rules"
MODULES = sorted(RULES.rglob("*.py"))

# Modules that would let rules touch the outside world (files, network, processes, clock, env).
FORBIDDEN_IMPORTS = {
    "django",
    "os",
    "io",
    "pathlib",
    "shutil",
    "subprocess",
    "socket",
    "urllib",
    "http",
    "requests",
    "sqlite3",
    "pickle",
    "tempfile",
    "random",
    "time",
    "datetime",
    "logging",
}
FORBIDDEN_CALLS = {"open", "input", "print", "eval", "exec", "__import__"}
# The command line is the one place that reads files and prints.
IO_ALLOWED = {"__main__.py": {"open", "print"}}

# Run in a fresh interpreter in which importing Django fails: every module of the package
# is imported (found by walking it with pkgutil), then the entry points are called once.
NO_DJANGO = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class NoDjango(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "django" or name.startswith("django."):
                raise ImportError(f"pht.rules must not import {name}")
            return None

    sys.meta_path.insert(0, NoDjango())

    import pht.rules

    names = sorted(
        info.name for info in pkgutil.walk_packages(pht.rules.__path__, "pht.rules.")
    )
    for name in names:
        importlib.import_module(name)

    from pht.rules import rehab
    from pht.rules.irritability import irritability_from_findings

    evaluation = pht.rules.evaluate({"age": 40}).to_dict()
    level, _ = irritability_from_findings({"night_pain": True})
    rehab.propose_plan(tendon_stage=None, irritability=level, exercises=[])
    rehab.suggest_progression(
        current_stage=1, marker_pain=2, response_24h="same", previous_marker_pain=2,
        sitting_tolerance_min=40, adherence="full", weeks_at_stage=2.0,
    )
    rehab.suggest_run_progression(current_step=1, response_24h="same", pain_during_run=1)
    rehab.rehab_gate(evaluation, working_diagnosis="")
    rehab.readable("[C2: S16]")
    print("\\n".join(names))
    print("django loaded:", sorted(m for m in sys.modules if m.split(".")[0] == "django"))
    """
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_rules_module_imports_and_runs_where_django_cannot_be_imported() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_DJANGO], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    *imported, django_line = result.stdout.strip().splitlines()
    assert django_line == "django loaded: []"
    # pkgutil found every module on disk (sub-packages included), so none was left out.
    expected = {_module_name(path) for path in MODULES} - {"pht.rules"}
    assert set(imported) == expected


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(RULES)))
def test_module_imports_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed_calls = IO_ALLOWED.get(str(path.relative_to(RULES)), set())
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            if name.split(".")[0] in FORBIDDEN_IMPORTS:
                problems.append(f"line {node.lineno}: imports {name}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS - allowed_calls
        ):
            problems.append(f"line {node.lineno}: calls {node.func.id}()")
        if isinstance(node, ast.Global):
            problems.append(f"line {node.lineno}: uses global")
    assert problems == [], f"{path.relative_to(RULES)} is not pure: {problems}"


def test_the_ast_check_covers_the_rehab_package() -> None:
    checked = {str(path.relative_to(RULES)) for path in MODULES}
    assert {"rehab/__init__.py", "rehab/gate.py", "irritability.py"} <= checked


def test_the_package_does_not_import_the_other_rule_modules_eagerly() -> None:
    source = (RULES / "__init__.py").read_text(encoding="utf-8")
    assert "visa_h" not in source and "rehab" not in source
