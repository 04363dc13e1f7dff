"""Reference tables for the docs, generated from the rule tables themselves.

Pure functions that return Markdown. ``make docs`` writes them between the
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` markers of the files in
``docs/``; ``tests/rules/test_docs.py`` fails when a file is out of step with the code.
"""

from collections.abc import Callable

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


def evidence_tables() -> str:
    """One table per diagnosis: every rule with its strength, points, group and citation."""
    from pht.rules.differentials import TABLES
    from pht.rules.sources import EVIDENCE_NOTE, SOURCES

    parts: list[str] = []
    for table in TABLES:
        parts.append(
            f"**{table.name}** (`{table.slug}`; baseline {table.baseline:+g}; referral "
            f"{table.referral})\n"
        )
        parts.append("| finding | strength | points | group | source | evidence |")
        parts.append("|---|---|---|---|---|---|")
        for rule in table.rules:
            evidence = EVIDENCE_NOTE[rule.evidence] or "confirmed in the source"
            parts.append(
                f"| {rule.when.describe()} | {rule.strength} | {rule.value:+g} | "
                f"{rule.group or ''} | {SOURCES[rule.source]} | {evidence} |"
            )
        parts.append("")
    return "\n".join(parts)


def red_flag_table() -> str:
    """Every red flag, grade by grade: what raises it, its urgency and what to do."""
    from pht.rules.red_flags import RED_FLAG_RULES
    from pht.rules.sources import cite_with_evidence

    rows = [
        "| flag | urgency | raised by | retired by | points to | action | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in RED_FLAG_RULES:
        citation = cite_with_evidence(rule.sources, rule.evidence)
        for grade in rule.grades:
            retired = (
                grade.unless.describe()
                if grade.unless
                else ("never (hard flag)" if rule.hard else "")
            )
            rows.append(
                f"| {rule.title} (`{rule.slug}`) | {grade.urgency} | {grade.when.describe()} | "
                f"{retired} | `{grade.diagnosis or ''}` | {grade.action} | {citation} |"
            )
    return "\n".join(rows) + "\n"


def risk_factor_table() -> str:
    from pht.rules.red_flags import RISK_FACTORS
    from pht.rules.sources import cite_with_evidence

    rows = ["| risk factor | raises | note | source |", "|---|---|---|---|"]
    for factor in RISK_FACTORS:
        rows.append(
            f"| {factor.when.describe()} | `{factor.diagnosis}` | {factor.text} | "
            f"{cite_with_evidence(factor.sources, factor.evidence)} |"
        )
    return "\n".join(rows) + "\n"


def pre_test_table() -> str:
    from pht.rules.probability import PRE_TEST_TIERS

    rows = [
        "| tier | pre-test p | PHT points without the stretch tests | needs an examination finding |",
        "|---|---|---|---|",
    ]
    for tier in PRE_TEST_TIERS:
        points = "any lower" if tier.min_points == float("-inf") else f"≥ {tier.min_points:g}"
        rows.append(
            f"| `{tier.slug}` ({tier.description}) | {tier.probability:g} | {points} | "
            f"{'yes' if tier.needs_exam else 'no'} |"
        )
    return "\n".join(rows) + "\n"


def sources_table() -> str:
    """Every source key the rules cite, with its readable citation and full reference."""
    from pht.rules.sources import REGISTRY

    rows = ["| key | shown to clinicians as | reference | kind |", "|---|---|---|---|"]
    for source in REGISTRY.values():
        reference = source.detail
        if source.link:
            reference = f"{reference} <{source.link}>" if reference else f"<{source.link}>"
        kind = (
            "secondary" if source.secondary else ("project" if source.key == "DEV" else "primary")
        )
        rows.append(f"| `{source.key}` | {source.citation} | {reference} | {kind} |")
    return "\n".join(rows) + "\n"


GENERATED: dict[str, tuple[str, str]] = {
    # name: (docs file, function name)
    "findings": ("docs/findings.md", "findings_tables"),
    "evidence": ("docs/rules.md", "evidence_tables"),
    "red-flags": ("docs/rules.md", "red_flag_table"),
    "risk-factors": ("docs/rules.md", "risk_factor_table"),
    "pre-test": ("docs/rules.md", "pre_test_table"),
    "sources": ("docs/sources.md", "sources_table"),
}


def generated(name: str) -> str:
    """The Markdown of one generated block."""
    _path, function = GENERATED[name]
    render: Callable[[], str] = globals()[function]
    return render()
