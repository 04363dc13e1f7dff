"""Hypothesis strategies for findings, generated from the vocabulary itself.

``findings()`` draws any valid findings dict (any subset of keys, any valid values, with and
without imaging); ``invalid_findings()`` draws a valid dict plus known corruptions and returns
``(findings, corrupted_keys)``. Later suites (forms, exports) reuse these.
"""

from typing import Any

from hypothesis import strategies as st

from pht.rules.findings import FINDINGS, IMAGING_FINDINGS, FindingSpec
from pht.rules.predicates import AllOf, AnyOf, Condition, When

# Upper bound for unbounded counts (minutes, weeks): large but plausible.
OPEN_MAX = 1000


def value_for(spec: FindingSpec) -> st.SearchStrategy[Any]:
    match spec.kind:
        case "bool":
            return st.booleans()
        case "int":
            high = spec.max if spec.max is not None else OPEN_MAX
            return st.integers(min_value=spec.min or 0, max_value=high)
        case "number":
            low = spec.min if spec.min is not None else 0
            high = spec.max if spec.max is not None else OPEN_MAX
            return st.one_of(
                st.integers(min_value=low, max_value=high),
                st.floats(min_value=low, max_value=high, allow_nan=False),
            )
        case "choice":
            return st.sampled_from(spec.choices)
        case "test":
            return st.one_of(st.sampled_from(spec.choices), st.booleans())
        case "multi":
            return st.lists(st.sampled_from(spec.choices), unique=True)
        case "text":
            return st.text(max_size=40)
        case "object":
            return imaging()
    raise AssertionError(spec.kind)


def imaging() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {}, optional={spec.key: value_for(spec) for spec in IMAGING_FINDINGS}
    )


def findings() -> st.SearchStrategy[dict[str, Any]]:
    """Any valid findings dict."""
    return st.fixed_dictionaries({}, optional={spec.key: value_for(spec) for spec in FINDINGS})


# One bad value per kind: each must be rejected with a message naming its key.
BAD_VALUES: dict[str, tuple[Any, ...]] = {
    "bool": (1, 0, "yes", None, [True]),
    "int": (True, 2.5, "3", None, -1),
    "number": (True, "3", None, -1, float("inf")),
    "choice": ("unknown", 1, None, True),
    "test": ("pos", 1, None, "Positive"),
    "multi": ("ischial_tuberosity", ["knee"], None, 3),
    "text": (3, None, True, ["text"]),
    "object": ([], "mri", None, 1),
}


@st.composite
def invalid_findings(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    """A valid findings dict with one or more corrupted keys, and the keys corrupted."""
    base = draw(findings())
    specs = draw(st.lists(st.sampled_from(FINDINGS), unique_by=lambda s: s.key, max_size=5))
    unknown = draw(
        st.lists(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).map(
                lambda s: f"zz_{s}"
            ),
            unique=True,
            max_size=3,
        )
    )
    if not specs and not unknown:
        unknown = ["zz_unknown"]
    corrupted = set()
    for spec in specs:
        base[spec.key] = draw(st.sampled_from(BAD_VALUES[spec.kind]))
        corrupted.add(spec.key)
    for key in unknown:
        base[key] = draw(st.booleans())
        corrupted.add(key)
    return base, corrupted


def satisfy(
    condition: Condition, findings: dict[str, Any], *, add_only: bool = False
) -> dict[str, Any]:
    """A copy of ``findings`` changed just enough for ``condition`` to hold.

    For ``AnyOf`` the first part is satisfied; ``absent`` parts remove their key, unless
    ``add_only`` (then the condition may not hold, but nothing recorded is taken away).
    """
    result = {**findings}
    if "imaging" in result:
        result["imaging"] = dict(result["imaging"])
    _satisfy(condition, result, add_only)
    return result


def _satisfy(condition: Condition, findings: dict[str, Any], add_only: bool) -> None:
    if isinstance(condition, AllOf):
        for part in condition.parts:
            _satisfy(part, findings, add_only)
    elif isinstance(condition, AnyOf):
        _satisfy(condition.parts[0], findings, add_only)
    elif not (add_only and condition.op == "absent"):
        _set(condition, findings)


def _set(part: When, findings: dict[str, Any]) -> None:
    imaging = part.key.startswith("imaging.")
    key = part.key.removeprefix("imaging.")
    target = findings.setdefault("imaging", {}) if imaging else findings
    match part.op:
        case "is" | "at_least" | "at_most":
            value = part.value
        case "above":
            value = part.value + 1
        case "below":
            value = part.value - 1
        case "between":
            value = part.value[0]
        case "in":
            value = part.value[0]
        case "has":
            current = target.get(key, [])
            value = current if part.value in current else [*current, part.value]
        case "lacks":
            value = [item for item in target.get(key, []) if item != part.value]
        case "absent":
            target.pop(key, None)
            return
        case _:
            raise AssertionError(f"cannot satisfy {part}")
    target[key] = value


def previous_findings() -> st.SearchStrategy[dict[str, Any]]:
    """Any findings dict that was valid under the 2026.11.1 vocabulary (its own specs)."""
    from tests.rules.previous import findings_2026_11_1 as old

    def old_value(spec: Any) -> st.SearchStrategy[Any]:
        if spec.kind == "object":
            return st.fixed_dictionaries(
                {}, optional={s.key: old_value(s) for s in old.IMAGING_FINDINGS}
            )
        return value_for(spec)

    return st.fixed_dictionaries({}, optional={spec.key: old_value(spec) for spec in old.FINDINGS})
