"""Is this the same person? Name hygiene and likely duplicates, as pure functions.

A patient registered twice splits their history across two records: a clinician opening one
misses the red flags, the plan or the VISA-H scores on the other. The exact check the patient
form used to make (same folded names and date of birth) let through what real registrations
produce: a typo ("Harriett" for "Harriet"), given and family names swapped, day and month of
birth swapped (03/04 for 04/03), a letter pasted from another alphabet (a Cyrillic "Н" that
looks exactly like a Latin "H"), an invisible zero-width space.

Two defences, both here and without Django, so the patient form, the CSV import and the
clinic's "possible duplicates" list apply the same rules:

1. **Hygiene** (``name_problem``): a name may not hold invisible or direction-changing
   characters (zero-width spaces and joiners, the byte-order mark, bidirectional embeddings,
   overrides and isolates, other control characters), and one word may not mix letters of two
   alphabets ("Hаrriet" with a Cyrillic "а"). A name wholly in another script (Наталья,
   Σοφία) is welcome. Names are stored in Unicode NFKC (``assessments.names``), so full-width
   letters and ligatures become the ordinary ones.
2. **Matching** (``DuplicateIndex``): each name is reduced to a *skeleton*: NFKC, case folded,
   letters that look alike across Latin, Cyrillic and Greek mapped to one (after Unicode's
   confusables list, UTS #39, for the letters of those alphabets that have a Latin twin),
   accents and punctuation removed. Two records are likely the same person when their dates of
   birth are equal or one is the other with day and month swapped, and their names are close:
   each of family and given name within a small edit distance (Damerau-Levenshtein: one typo,
   missing, extra or two neighbouring letters swapped; two typos in names of 8 letters or more),
   in either order (given and family names swapped), or one given name starting the other
   ("Ann" / "Anne-Marie" needs the same family name).

A likely duplicate is a prompt for a person to look, never an automatic merge.
"""

from __future__ import annotations

import datetime
import functools
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from assessments.search import fold

# Invisible or direction-changing characters that have no place in a name: zero-width space,
# non-joiner, joiner, word joiner, byte-order mark / zero-width no-break space, soft hyphen,
# left-to-right and right-to-left marks, Arabic letter mark, bidirectional embeddings,
# overrides and isolates. Any other control or format character (Unicode category Cc or Cf) is
# refused too; this list only gives the common ones a specific message.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Lower-case Cyrillic and Greek letters that look like a Latin letter (UTS #39 confusables,
# restricted to those alphabets' letters with a Latin twin). Applied after case folding, so
# capitals are covered too: "Н".casefold() is "н", which is "h" here, as "H" is.
CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "з": "3",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "һ": "h",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ү": "y",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "ζ": "z",
        "η": "h",
        "ι": "i",
        "κ": "k",
        "μ": "m",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ϲ": "c",
    }
)

# Scripts told apart for the mixed-script check: the first word of a letter's Unicode name.
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "HEBREW", "ARABIC", "GEORGIAN")


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    for script in _SCRIPTS:
        if name.startswith(script):
            return script
    return None


def _scripts_in(word: str) -> set[str]:
    return {s for s in (_script(c) for c in word if c.isalpha()) if s is not None}


def name_problem(text: str) -> str | None:
    """Why this name cannot be stored as typed, in words for the person typing it, or None."""
    for char in text:
        if char in INVISIBLE:
            return (
                "This name contains an invisible character (such as a zero-width space), "
                "usually pasted from another program. Retype the name."
            )
        if char in BIDI_CONTROLS:
            return (
                "This name contains a hidden character that changes the direction of the text. "
                "Retype the name."
            )
        if unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Cn"} and char not in "\t":
            return "This name contains a hidden control character. Retype the name."
    for word in unicodedata.normalize("NFKC", text).split():
        scripts = _scripts_in(word)
        if len(scripts) > 1:
            names = " and ".join(sorted(s.title() for s in scripts))
            return (
                f"“{word}” mixes letters from different alphabets ({names}), which look alike "
                "but are different letters. Retype the name in one alphabet."
            )
    return None


# Names repeat (a clinic of 100,000 patients has a few thousand distinct names): the
# skeletons and name comparisons are memoised, which made the clinic's pair list 3x faster.
@functools.lru_cache(maxsize=1 << 16)
def skeleton(text: str) -> str:
    """A name reduced for comparison: NFKC, case folded, look-alike letters made one, accents
    and punctuation removed (``"Hаrriët O'Brien"`` with a Cyrillic ``а`` → ``"harrietobrien"``)."""
    return fold(unicodedata.normalize("NFKC", text).casefold().translate(CONFUSABLES))


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a swap of two neighbouring
    letters is one edit), capped at ``limit`` for speed."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


LONG_NAME = 8  # letters from which two typos still count as "close"


@functools.lru_cache(maxsize=1 << 17)
def _close(a: str, b: str) -> bool:
    if not a or not b:
        return False
    allowed = 2 if min(len(a), len(b)) >= LONG_NAME else 1
    return edit_distance(a, b, limit=allowed + 1) <= allowed


@functools.lru_cache(maxsize=1 << 17)
def _given_close(a: str, b: str) -> bool:
    """Given names: close, or one is the first of the other's names ("Ann" in "Ann Marie")."""
    if _close(a.replace(" ", ""), b.replace(" ", "")):
        return True
    first_a, first_b = a.split(" ")[0], b.split(" ")[0]
    return bool(first_a) and first_a == first_b


@dataclass(frozen=True)
class Person:
    """What duplicate matching compares: a record's key (a patient's id, a CSV row number),
    names and date of birth. The names' skeletons are computed once."""

    key: Hashable
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    given: str = field(init=False, compare=False, repr=False)  # "anne marie"
    family: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        given = " ".join(skeleton(part) for part in self.given_name.split())
        object.__setattr__(self, "given", given)
        object.__setattr__(self, "family", skeleton(self.family_name))


def birth_dates_to_check(day: datetime.date) -> set[datetime.date]:
    """The date itself and, where it is a date, the one with day and month swapped."""
    dates = {day}
    if day.day <= 12 and day.day != day.month:
        # The day is a month number and the month a valid day of every month: always a date.
        dates.add(day.replace(month=day.day, day=day.month))
    return dates


def same_person_likely(a: Person, b: Person) -> bool:
    """Whether ``a`` and ``b`` are likely one person (see the module's docstring)."""
    if b.date_of_birth not in birth_dates_to_check(a.date_of_birth):
        return False
    return _names_close(a, b)


def _names_close(a: Person, b: Person) -> bool:
    """The names part of ``same_person_likely`` (symmetric in ``a`` and ``b``)."""
    a_given, a_family, b_given, b_family = a.given, a.family, b.given, b.family
    if _close(a_family, b_family) and _given_close(a_given, b_given):
        return True
    # Given and family names entered the other way round.
    return _close(a_family, b_given.replace(" ", "")) and _close(a_given.replace(" ", ""), b_family)


class DuplicateIndex:
    """People by date of birth, to find the likely duplicates of one more person quickly.

    Built once from the clinic's patients (or the rows of a CSV file), then asked about each
    new person: only those born on the same date, or on the day-month swapped date, are
    compared by name.
    """

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self._by_birth: dict[datetime.date, list[Person]] = defaultdict(list)
        for person in people:
            self.add(person)

    def add(self, person: Person) -> None:
        self._by_birth[person.date_of_birth].append(person)

    def matches(self, person: Person) -> list[Person]:
        """The indexed people likely to be ``person`` (never ``person`` itself, by key)."""
        found = []
        for day in birth_dates_to_check(person.date_of_birth):
            for other in self._by_birth.get(day, ()):
                if other.key != person.key and same_person_likely(person, other):
                    found.append(other)
        return found

    def pairs(self) -> list[tuple[Person, Person]]:
        """Every pair of indexed people likely to be one person, each pair once.

        Each unordered pair is compared once (the test is symmetric): within a date of birth,
        and between a date and its day-month swapped date, from the earlier of the two.
        """
        found = []
        for day, people in list(self._by_birth.items()):
            for i, person in enumerate(people):
                for other in people[i + 1 :]:
                    if person.key != other.key and _names_close(person, other):
                        found.append((person, other))
            for swapped in birth_dates_to_check(day):
                if swapped <= day:
                    continue
                others = self._by_birth.get(swapped, ())
                for person in people:
                    for other in others:
                        if person.key != other.key and _names_close(person, other):
                            found.append((person, other))
        return found
