"""``pht.rules`` is pure: no Django, no I/O, no global mutable state reached through imports."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "pht" / "rules"
MODULES = sorted(RULES.glob("*.py"))

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


def test_importing_pht_rules_does_not_load_django() -> None:
    code = (
        "import sys, pht.rules, pht.rules.evaluation, pht.rules.findings; "
        "pht.rules.evaluate({'age': 40}); "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_imports_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed_calls = IO_ALLOWED.get(path.name, set())
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
    assert problems == [], f"{path.name} is not pure: {problems}"


def test_the_package_does_not_import_the_other_rule_modules_eagerly() -> None:
    source = (RULES / "__init__.py").read_text(encoding="utf-8")
    assert "visa_h" not in source and "rehab" not in source
