"""docs/rules.md keeps its evidence table in step with the rule tables."""

from pathlib import Path

from pht.rules.differentials import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_every_rule_has_a_row_in_the_evidence_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [
        f"{table.slug}: {rule.when.describe()}"
        for table in TABLES
        for rule in table.rules
        if f"| {rule.when.describe()} | {rule.strength} | {rule.value:+g} |" not in text
    ]
    assert missing == [], "docs/rules.md is out of date; regenerate the evidence table"
