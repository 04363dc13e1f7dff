"""VISA-H questionnaire: the items as data, and a pure scoring function.

VISA-H (Victorian Institute of Sport Assessment - Proximal Hamstring Tendons) was
published by Cacchio A, De Paulis F, Maffulli N. "Development and validation of a new
VISA questionnaire (VISA-H) for patients with proximal hamstring tendinopathy."
Br J Sports Med 2014;48(6):448 (online first 7 March 2013; official form in the
online supplement, doi 10.1136/bjsports-2012-091552).

Vocabulary
----------
item
    One of the eight questions, keys ``q1`` ... ``q8``.
points
    What an answer adds to the total. The total is the plain sum of all item points,
    0-100; higher means fewer symptoms and better function, 100 = no symptoms
    (VISA-H form, Patient-Watch; Cacchio et al. 2014).
Q1-Q6
    0-10 scales, 10 = best (VISA-H form). The answer *is* the point value the patient marked.
Q7
    Sport participation: four categories scored 0, 4, 7 or 10 (VISA-H form).
Q8
    Training duration given the pain, max 30 points (VISA-H form), in three branches of
    which the patient answers exactly ONE:
    ``a`` no pain while training, ``b`` pain but can keep training, ``c`` pain stops
    training.

Answer format (what :func:`score_visa_h` reads)
-----------------------------------------------
A flat mapping with exactly these keys, all values whole numbers (``int``, not
``bool``, not text; the form adapter converts before calling):

======== ===========================================================================
key      value
======== ===========================================================================
q1..q6   the point value marked on the 0-10 scale (0 = worst, 10 = best)
q7       the index of the chosen category in ``Q7.options`` (0..3), not its points
q8a      the index of the chosen time bin in branch A (0..4)  } exactly ONE of
q8b      the index of the chosen time bin in branch B (0..4)  } q8a / q8b / q8c
q8c      the index of the chosen time bin in branch C (0..4)  } must be present
======== ===========================================================================

The three ``q8*`` keys mirror the paper form, where the patient ticks a box in one of
three sections. An answer in two sections is an error, never silently resolved.

Every problem in the answers is collected and raised together as :class:`VisaHError`.

What is NOT confirmed, and must be checked against the official BJSM supplement
before release (docs/rules.md, VISA-H)
------------------------------
1. The wording and topic of every item. The topics below are unverified and the
   wording is this project's paraphrase, not the published text. Replace both with
   the official wording (with permission where needed).
2. The Q7 category wording (the 0/4/7/10 points are confirmed, the labels are unverified).
3. The Q8 time bins and their points. They copy VISA-A (confirmed for VISA-A only,
   Physiopedia VISA-A scale): A 0/7/14/21/30, B 0/4/10/14/20, C 0/2/5/7/10 for nil / 1-10 / 11-20 /
   21-30 / >30 min. One secondary source mentions "> 100 minutes" for VISA-H, so the
   VISA-H bins may differ. They are kept as data so that fixing them is a data edit.
4. Whether Q1 (sitting) is scored on minutes mapped to 0-10 or marked directly.

Interpretation limits
---------------------
* Sub-scores (e.g. pain items vs function items) are NOT validated: the COSMIN review
  found low-quality evidence of insufficient unidimensionality (VISA COSMIN review, KSSTA 2021). Only the
  total is reported.
* No minimal clinically important difference (MCID) and no severity cut-offs are known
  for VISA-H. The VISA-P MCID (Hernandez-Sanchez 2014) belongs to the patellar
  questionnaire and is deliberately not used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CITATION = (
    "Cacchio A, De Paulis F, Maffulli N. Development and validation of a new VISA "
    "questionnaire (VISA-H) for patients with proximal hamstring tendinopathy. "
    "Br J Sports Med 2014;48(6):448. doi:10.1136/bjsports-2012-091552"
)

# The whole item table still carries unverified topics and Q8 bins. The UI and the
# exports can show this flag next to every VISA-H score until the official form has
# been checked (see the module docstring).
ITEMS_CHECKED_AGAINST_OFFICIAL_FORM = False

MAX_TOTAL = 100

CAVEATS: tuple[str, ...] = (
    "Item wording is a paraphrase; item topics and the Q8 time bins are unconfirmed "
    "and must be checked against the official BJSM supplement form.",
    "Only the total is reported: sub-scores of VISA-H are not validated.",
    "No minimal clinically important difference or severity cut-off is known for "
    "VISA-H; compare totals over time with clinical judgement.",
)


@dataclass(frozen=True)
class Option:
    """One answer choice of a categorical item and the points it adds."""

    label: str
    points: int


@dataclass(frozen=True)
class ScaleItem:
    """A 0-10 scale item (Q1-Q6). The answer is the point value itself."""

    key: str
    number: int
    text: str
    worst_anchor: str  # the 0 end of the scale
    best_anchor: str  # the 10 end of the scale
    confirmed: bool  # True only when the wording was checked against the official form
    note: str
    max_points: int = 10


@dataclass(frozen=True)
class ChoiceItem:
    """A categorical item (Q7). The answer is the index of the chosen option."""

    key: str
    number: int
    text: str
    options: tuple[Option, ...]
    confirmed: bool
    note: str

    @property
    def max_points(self) -> int:
        return max(option.points for option in self.options)


@dataclass(frozen=True)
class Branch:
    """One of the three Q8 sections. The answer is the index of the chosen time bin."""

    key: str  # the answer key, e.g. "q8a"
    letter: str  # "a", "b" or "c"
    condition: str
    options: tuple[Option, ...]

    @property
    def max_points(self) -> int:
        return max(option.points for option in self.options)


@dataclass(frozen=True)
class BranchedItem:
    """Q8: three branches, exactly one answered."""

    key: str
    number: int
    text: str
    branches: tuple[Branch, ...]
    confirmed: bool
    note: str

    @property
    def max_points(self) -> int:
        # Only one branch counts, so the item maximum is the best branch's maximum.
        return max(branch.max_points for branch in self.branches)


_SCALE_NOTE = (
    "Response type and 0-10 points confirmed (VISA-H form); the topic is not yet confirmed "
    "against the original paper; the wording is a project paraphrase."
)

SCALE_ITEMS: tuple[ScaleItem, ...] = (
    ScaleItem(
        key="q1",
        number=1,
        text="How long can you sit without pain in the buttock?",
        worst_anchor="Pain straight away when sitting",
        best_anchor="Can sit as long as I like without pain",
        confirmed=False,
        note=_SCALE_NOTE,
    ),
    ScaleItem(
        key="q2",
        number=2,
        text="How much buttock pain do you have during an everyday loading task such as climbing stairs?",
        worst_anchor="Severe pain",
        best_anchor="No pain",
        confirmed=False,
        note=_SCALE_NOTE,
    ),
    ScaleItem(
        key="q3",
        number=3,
        text="How much buttock pain do you have when stretching the back of the thigh (hip bent, knee straight)?",
        worst_anchor="Severe pain",
        best_anchor="No pain",
        confirmed=False,
        note=_SCALE_NOTE,
    ),
    ScaleItem(
        key="q4",
        number=4,
        text="How much buttock pain do you have during a loading exercise such as a lunge or a bridge?",
        worst_anchor="Severe pain",
        best_anchor="No pain",
        confirmed=False,
        note=_SCALE_NOTE,
    ),
    ScaleItem(
        key="q5",
        number=5,
        text="How much buttock pain do you have during another daily task such as driving or bending forward?",
        worst_anchor="Severe pain",
        best_anchor="No pain",
        confirmed=False,
        note=_SCALE_NOTE,
    ),
    ScaleItem(
        key="q6",
        number=6,
        text="How much buttock pain do you have during a demanding task such as running or hopping?",
        worst_anchor="Severe pain / unable",
        best_anchor="No pain",
        confirmed=False,
        note=_SCALE_NOTE,
    ),
)

Q7 = ChoiceItem(
    key="q7",
    number=7,
    text="Are you currently taking part in sport or other physical activity?",
    options=(
        Option("Not at all", 0),
        Option("Modified training, with or without modified competition", 4),
        Option("Full training and/or competition, but not at the level before the symptoms", 7),
        Option("Competing at the same or a higher level than before the symptoms", 10),
    ),
    confirmed=False,
    note=(
        "Four categories scored 0/4/7/10 confirmed (VISA-H form); category wording follows "
        "the VISA family and is not yet confirmed for VISA-H."
    ),
)

# Time bins shared by the three branches (VISA-A convention, confirmed for VISA-A only).
_Q8_BINS: tuple[str, ...] = ("Nil", "1-10 min", "11-20 min", "21-30 min", "More than 30 min")


def _bins(points: tuple[int, ...]) -> tuple[Option, ...]:
    return tuple(Option(label, p) for label, p in zip(_Q8_BINS, points, strict=True))


Q8 = BranchedItem(
    key="q8",
    number=8,
    text=(
        "Answer only ONE of A, B or C: the one that describes you now. "
        "How long can you train or take part in your sport?"
    ),
    branches=(
        Branch(
            key="q8a",
            letter="a",
            condition="A. I have no buttock pain while training or playing sport",
            options=_bins((0, 7, 14, 21, 30)),
        ),
        Branch(
            key="q8b",
            letter="b",
            condition="B. I have some buttock pain while training but it does not stop me",
            options=_bins((0, 4, 10, 14, 20)),
        ),
        Branch(
            key="q8c",
            letter="c",
            condition="C. I have buttock pain that stops me from completing training",
            options=_bins((0, 2, 5, 7, 10)),
        ),
    ),
    confirmed=False,
    note=(
        "Maximum 30 points confirmed (VISA-H form). Branches and time bins copy VISA-A "
        "(confirmed for VISA-A only) and are not yet confirmed for VISA-H: one source "
        "mentions '> 100 minutes', so the bins may differ."
    ),
)

ITEMS: tuple[ScaleItem | ChoiceItem | BranchedItem, ...] = (*SCALE_ITEMS, Q7, Q8)

_Q8_KEYS: tuple[str, ...] = tuple(branch.key for branch in Q8.branches)
ANSWER_KEYS: frozenset[str] = frozenset(
    [item.key for item in SCALE_ITEMS] + [Q7.key] + list(_Q8_KEYS)
)


class VisaHError(ValueError):
    """The answers cannot be scored. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class ItemPoints:
    key: str  # "q1".."q7", or "q8" for the counted branch
    points: int
    max_points: int


@dataclass(frozen=True)
class VisaHScore:
    """A scored questionnaire. Only ``total`` is meant for interpretation."""

    total: int
    items: tuple[ItemPoints, ...]
    q8_branch: str  # "a", "b" or "c"
    max_total: int = MAX_TOTAL
    items_confirmed: bool = ITEMS_CHECKED_AGAINST_OFFICIAL_FORM
    caveats: tuple[str, ...] = CAVEATS

    def points(self, key: str) -> int:
        for item in self.items:
            if item.key == key:
                return item.points
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "max_total": self.max_total,
            "items": {item.key: item.points for item in self.items},
            "q8_branch": self.q8_branch,
            "items_confirmed": self.items_confirmed,
            "caveats": list(self.caveats),
            "source": CITATION,
        }


def _read_index(
    answers: Mapping[str, object], key: str, highest: int, what: str, problems: list[str]
) -> int | None:
    """Return the whole number at ``key`` if it lies in 0..highest, else record why not."""
    value = answers[key]
    # bool is a subclass of int; True must not quietly score 1 point.
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{key}: must be {what} 0-{highest}, got {value!r}")
        return None
    if not 0 <= value <= highest:
        problems.append(f"{key}: {value} is outside {what} 0-{highest}")
        return None
    return value


def score_visa_h(answers: Mapping[str, object]) -> VisaHScore:
    """Score a completed VISA-H. See the module docstring for the answer format.

    Raises :class:`VisaHError` listing every problem (unknown key, missing item,
    value of the wrong type or out of range, no or more than one Q8 branch).
    """
    problems: list[str] = []

    for key in sorted(set(answers) - ANSWER_KEYS):
        problems.append(f"{key}: unknown key (expected q1-q7 and one of q8a, q8b, q8c)")

    scored: list[ItemPoints] = []

    for item in SCALE_ITEMS:
        if item.key not in answers:
            problems.append(f"{item.key}: missing")
            continue
        value = _read_index(answers, item.key, item.max_points, "a whole number", problems)
        if value is not None:
            scored.append(ItemPoints(item.key, value, item.max_points))

    if Q7.key not in answers:
        problems.append(f"{Q7.key}: missing")
    else:
        index = _read_index(answers, Q7.key, len(Q7.options) - 1, "an option index", problems)
        if index is not None:
            scored.append(ItemPoints(Q7.key, Q7.options[index].points, Q7.max_points))

    answered = [branch for branch in Q8.branches if branch.key in answers]
    branch_letter = ""
    if not answered:
        problems.append("q8: missing (answer exactly one of q8a, q8b, q8c)")
    elif len(answered) > 1:
        keys = ", ".join(branch.key for branch in answered)
        problems.append(f"q8: answers in more than one branch ({keys}); only one may be answered")
    else:
        branch = answered[0]
        index = _read_index(
            answers, branch.key, len(branch.options) - 1, "an option index", problems
        )
        if index is not None:
            scored.append(ItemPoints(Q8.key, branch.options[index].points, Q8.max_points))
            branch_letter = branch.letter

    if problems:
        raise VisaHError(problems)

    return VisaHScore(
        total=sum(item.points for item in scored),
        items=tuple(scored),
        q8_branch=branch_letter,
    )
