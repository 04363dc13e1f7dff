"""Declarative conditions over findings, used by every rule table.

A condition reads the flat findings (``findings.flatten``). Vocabulary:

- ``When(key, "is", value)``: the finding was recorded with exactly this value.
- ``When(key, "has", item)`` / ``When(key, "lacks", item)``: a list finding (``pain_location``)
  was recorded and does / does not contain ``item``.
- ``When(key, "at_least", n)`` / ``When(key, "at_most", n)`` / ``When(key, "between", (lo, hi))``:
  a number was recorded within these bounds (inclusive); ``"above"`` / ``"below"`` are strict.
- ``When(key, "in", (a, b))``: a choice was recorded as one of these values.
- ``When(key, "absent")``: the question was not asked. Only red flags use it, to say which
  screening questions are still open; it never raises or lowers a diagnosis.
- ``AllOf(a, b, ...)``: every part holds. ``AnyOf(a, b, ...)``: at least one part holds.

**An absent key never satisfies a condition** (except ``absent`` itself), including ``lacks``
and ``"is", False``: a rule that lowers a diagnosis fires only on a finding that was examined
and negative.

Conditions are plain frozen data (their ``repr`` is part of the pinned rules hash); the
compiled test is cached alongside and left out of equality and repr.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pht.rules.findings import label

type Op = Literal[
    "is", "has", "lacks", "at_least", "at_most", "between", "above", "below", "in", "absent"
]
type Flat = Mapping[str, Any]

_ABSENT = object()


@dataclass(frozen=True)
class When:
    key: str
    op: Op
    value: Any = True
    _test: Callable[[Flat], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_test", _compile(self.key, self.op, self.value))

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key,)

    def holds(self, flat: Flat) -> bool:
        return self._test(flat)

    def describe(self) -> str:
        name = label(self.key)
        match self.op:
            case "is":
                return _describe_is(name, self.value)
            case "has":
                return f"{name} includes {self.value.replace('_', ' ')}"
            case "lacks":
                return f"{name} does not include {self.value.replace('_', ' ')}"
            case "at_least":
                return f"{name} {self.value} or more"
            case "at_most":
                return f"{name} {self.value} or less"
            case "between":
                return f"{name} {self.value[0]}-{self.value[1]}"
            case "above":
                return f"{name} over {self.value:g}"
            case "below":
                return f"{name} under {self.value:g}"
            case "in":
                return f"{name}: " + " or ".join(v.replace("_", " ") for v in self.value)
            case "absent":
                return f"{name}: not asked"
        raise AssertionError(self.op)  # pragma: no cover


def _describe_is(name: str, value: Any) -> str:
    if value is True:
        return name
    if value is False:
        return f"No {name[0].lower()}{name[1:]}"
    return f"{name}: {str(value).replace('_', ' ')}"


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Condition", ...]
    _test: Callable[[Flat], bool] = field(repr=False, compare=False)

    def __init__(self, *parts: "Condition") -> None:
        object.__setattr__(self, "parts", tuple(parts))
        tests = tuple(part._test for part in parts)
        if len(tests) == 2:
            first, second = tests
            test: Callable[[Flat], bool] = lambda f: first(f) and second(f)  # noqa: E731
        else:
            test = lambda f: all(t(f) for t in tests)  # noqa: E731
        object.__setattr__(self, "_test", test)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(key for part in self.parts for key in part.keys))

    def holds(self, flat: Flat) -> bool:
        return self._test(flat)

    def describe(self) -> str:
        first, *rest = (part.describe() for part in self.parts)
        return " and ".join([first, *(text[0].lower() + text[1:] for text in rest)])


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Condition", ...]
    _test: Callable[[Flat], bool] = field(repr=False, compare=False)

    def __init__(self, *parts: "Condition") -> None:
        object.__setattr__(self, "parts", tuple(parts))
        tests = tuple(part._test for part in parts)
        object.__setattr__(self, "_test", _any_of(tests))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(key for part in self.parts for key in part.keys))

    def holds(self, flat: Flat) -> bool:
        return self._test(flat)

    def fired_keys(self, flat: Flat) -> tuple[str, ...]:
        """The keys of the parts that hold (what actually raised it)."""
        return tuple(
            dict.fromkeys(key for part in self.parts if part.holds(flat) for key in part.keys)
        )

    def describe(self) -> str:
        texts = [part.describe() for part in self.parts]
        return " or ".join([texts[0], *(t[0].lower() + t[1:] for t in texts[1:])])


type Condition = When | AllOf | AnyOf


def _compile(key: str, op: Op, value: Any) -> Callable[[Flat], bool]:
    # Closures keep the hot path to one dict lookup and one comparison (see bench/rules.py).
    match op:
        case "is":
            return lambda f: f.get(key, _ABSENT) == value and type(f[key]) is type(value)
        case "has":
            return lambda f: value in f.get(key, ())
        case "lacks":
            return lambda f: key in f and value not in f[key]
        case "at_least":
            return lambda f: key in f and f[key] >= value
        case "at_most":
            return lambda f: key in f and f[key] <= value
        case "between":
            lo, hi = value
            return lambda f: key in f and lo <= f[key] <= hi
        case "above":
            return lambda f: key in f and f[key] > value
        case "below":
            return lambda f: key in f and f[key] < value
        case "in":
            return lambda f: f.get(key, _ABSENT) in value
        case "absent":
            return lambda f: key not in f
    raise ValueError(f"unknown operator {op!r}")


def _any_of(tests: tuple[Callable[[Flat], bool], ...]) -> Callable[[Flat], bool]:
    # Plain ``or`` for the common small cases: a generator per call was a hot spot.
    if len(tests) == 2:
        first, second = tests
        return lambda f: first(f) or second(f)
    if len(tests) == 3:
        first, second, third = tests
        return lambda f: first(f) or second(f) or third(f)

    return lambda f: any(part(f) for part in tests)


def raised_by(condition: Condition, flat: Flat) -> tuple[str, ...]:
    """The recorded findings that make ``condition`` hold (``absent`` parts left out)."""
    if isinstance(condition, When):
        return () if condition.op == "absent" else (condition.key,)
    if isinstance(condition, AnyOf):
        parts = [part for part in condition.parts if part.holds(flat)]
    else:
        parts = list(condition.parts)
    return tuple(dict.fromkeys(key for part in parts for key in raised_by(part, flat)))


def has_any(condition: Condition) -> bool:
    """Whether ``condition`` contains an ``AnyOf`` (so what raised it depends on the findings)."""
    if isinstance(condition, AnyOf):
        return True
    if isinstance(condition, AllOf):
        return any(has_any(part) for part in condition.parts)
    return False
