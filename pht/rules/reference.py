"""Reference tables for the docs, generated from the rule tables themselves.

Pure functions that return Markdown. ``make docs`` writes them between the
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` markers of the files in
``docs/``; ``tests/rules/test_docs.py`` fails when a file is out of step with the code.
"""

from pht.rules.findings import FINDINGS, IMAGING_FINDINGS, FindingSpec

SECTION_NAMES = {
    "history": "History",
    "red_flags": "Red-flag screen",
    "examination": "Examination",
    "imaging": "Imaging (inside the `imaging` object)",
}


def _values(spec: FindingSpec) -> str:
    match spec.kind:
        case "bool":
            return "`true` / `false`"
        case "test":
            return '`"positive"` / `"negative"` (or `true` / `false`)'
        case "choice":
            return " / ".join(f'`"{c}"`' for c in spec.choices)
        case "multi":
            return "list of " + ", ".join(f"`{c}`" for c in spec.choices)
        case "int" | "number":
            kind = "whole number" if spec.kind == "int" else "number"
            low = "" if spec.min is None else f"{spec.min}"
            high = "" if spec.max is None else f"{spec.max}"
            if low and high:
                return f"{kind} {low}–{high}"
            if low:
                return f"{kind} ≥ {low}"
            return kind
        case "text":
            return "free text (stored, never scored)"
        case "object":
            return "object: see the imaging table"
    raise AssertionError(spec.kind)  # pragma: no cover


def _row(spec: FindingSpec) -> str:
    notes = spec.help.replace("|", "/")
    return f"| `{spec.key}` | {spec.label} | {_values(spec)} | {notes} |"


def findings_tables() -> str:
    """The findings vocabulary, one table per section, in form order."""
    parts: list[str] = []
    for section in ("history", "red_flags", "examination"):
        parts.append(f"### {SECTION_NAMES[section]}\n")
        parts.append("| key | label | values | notes |")
        parts.append("|---|---|---|---|")
        parts.extend(
            _row(spec) for spec in FINDINGS if spec.section == section and spec.kind != "object"
        )
        parts.append("")
    parts.append(f"### {SECTION_NAMES['imaging']}\n")
    parts.append("| key | label | values | notes |")
    parts.append("|---|---|---|---|")
    parts.extend(_row(spec) for spec in IMAGING_FINDINGS)
    parts.append("")
    return "\n".join(parts)
