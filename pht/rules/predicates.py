"""Declarative conditions over findings, used by every rule table.

A condition reads the flat findings (``findings.flatten``). Vocabulary:

- ``When(key, "is", value)``: the finding was recorded with exactly this value.
- ``When(key, "has", item)`` / ``When(key, "lacks", item)``: a list finding (``pain_location``)
  was recorded and does / does not contain ``item``.
- ``When(key, "at_least", n)`` / ``When(key, "at_most", n)`` / ``When(key, "between", (lo, hi))``:
  a number was recorded within these bounds (inclusive).
- ``AllOf(a, b, ...)``: every part holds.

**An absent key never satisfies a condition**, including ``lacks`` and ``"is", False``: a rule
that lowers a diagnosis fires only on a finding that was examined and negative.

Conditions are plain frozen data (their ``repr`` is part of the pinned rules hash); the
compiled test is cached alongside and left out of equality and repr.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pht.rules.findings import label

type Op = Literal["is", "has", "lacks", "at_least", "at_most", "between"]
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
                if self.value is True:
                    return name
                if self.value is False:
                    return f"No {name[0].lower()}{name[1:]}"
                return f"{name}: {self.value}"
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
        raise AssertionError(self.op)  # pragma: no cover


@dataclass(frozen=True)
class AllOf:
    parts: tuple[When, ...]
    _test: Callable[[Flat], bool] = field(repr=False, compare=False)

    def __init__(self, *parts: When) -> None:
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
        return tuple(part.key for part in self.parts)

    def holds(self, flat: Flat) -> bool:
        return self._test(flat)

    def describe(self) -> str:
        first, *rest = (part.describe() for part in self.parts)
        return " and ".join([first, *(text[0].lower() + text[1:] for text in rest)])


type Condition = When | AllOf


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
    raise ValueError(f"unknown operator {op!r}")
