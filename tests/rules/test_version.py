"""RULES_VERSION must change whenever any rule module changes.

The fingerprint is a hash of the code of every module under ``pht/rules/`` that shapes an
evaluation or a rehab suggestion (differentials, red flags, probability, stage, next tests,
screen, irritability, the vocabulary, sources, VISA-H scoring and the rehab package), read as
a syntax tree without comments or docstrings: a change in a rule, weight, threshold, word shown
to the clinician or in the logic changes it; reformatting or documentation does not. If this
test fails, you changed the rules: bump ``RULES_VERSION`` in ``pht/rules/version.py`` and set
``PINNED`` below to the new pair.
"""

import ast
import hashlib
import re
from pathlib import Path

from pht.rules import RULES_VERSION, differentials, red_flags
from pht.rules.sources import SOURCES

RULES = Path(__file__).resolve().parents[2] / "pht" / "rules"
# Not rules: the command line and the generator of the docs tables.
NOT_RULES = {"__main__.py", "reference.py"}

PINNED = {
    "2026.12.1": "0a2d2d940182d39e7496f4e4271b4142379773d4796fe56410d17e291b6257f7",
    # Typing and refactoring only: no rule, weight, threshold or wording changed.
    "2026.12.2": "9917801f068f44d3eb0e1658555735b1e766fbc4c5832a44ed610cd6b2fd362c",
}


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            first = body[0] if body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return tree


def rule_modules() -> list[Path]:
    return sorted(
        path
        for path in RULES.rglob("*.py")
        if path.name not in NOT_RULES and path.name != "version.py"
    )


def rules_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in rule_modules():
        tree = _without_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        digest.update(path.relative_to(RULES).as_posix().encode())
        digest.update(ast.dump(tree, include_attributes=False).encode())
    return digest.hexdigest()


def test_rules_version_is_pinned_to_the_rules_hash() -> None:
    fingerprint = rules_fingerprint()
    assert PINNED.get(RULES_VERSION) == fingerprint, (
        "A rule module changed (or RULES_VERSION did) without the other. Bump "
        "RULES_VERSION in pht/rules/version.py and set PINNED in tests/rules/test_version.py "
        f"to {{{RULES_VERSION!r}: {fingerprint!r}}} (with the new version string)."
    )


def test_the_fingerprint_covers_every_rule_module() -> None:
    names = {path.relative_to(RULES).as_posix() for path in rule_modules()}
    for expected in (
        "differentials.py",
        "red_flags.py",
        "probability.py",
        "stage.py",
        "next_tests.py",
        "visa_h.py",
        "findings.py",
        "sources.py",
        "irritability.py",
        "screen.py",
    ):
        assert expected in names
    assert any(name.startswith("rehab/") for name in names)


def test_a_docstring_or_comment_does_not_change_the_fingerprint() -> None:
    code = 'def f():\n    """Doc."""\n    return 1  # comment\n'
    other = 'def f():\n    """Other doc."""\n\n    return 1\n'
    dump = lambda text: ast.dump(_without_docstrings(ast.parse(text)))  # noqa: E731
    assert dump(code) == dump(other)
    assert dump(code) != dump(code.replace("return 1", "return 2"))


def test_rules_version_format() -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", RULES_VERSION)


def test_every_rule_cites_a_known_source_and_reads_known_findings() -> None:
    from pht.rules.findings import label

    for table in differentials.TABLES:
        for rule in table.rules:
            assert rule.source in SOURCES, (table.slug, rule)
            for key in rule.when.keys:
                label(key)  # raises KeyError for a key outside the vocabulary
            assert (rule.value > 0) == (rule.strength in ("+", "++")), rule
    for flag in red_flags.RED_FLAG_RULES:
        for source in flag.sources:
            assert source in SOURCES
        for grade in flag.grades:
            for key in grade.when.keys:
                label(key)


def test_every_diagnosis_slug_has_a_table_and_a_priority() -> None:
    slugs = {table.slug for table in differentials.TABLES}
    assert slugs == set(differentials.CLINICAL_PRIORITY)
    assert len(slugs) == 13
