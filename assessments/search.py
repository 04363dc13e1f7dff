"""What a patient search box understands, as pure functions (no database, no Django).

The patient service stores two normalised columns on every patient, computed here:

- ``search_name``: family name, given names and identifier, each *folded* (lower case,
  accents, apostrophes, hyphens, spaces and other punctuation removed) and separated by one
  space, e.g. ``"obrien zoe ns0043"`` for ZOË O'BRIEN, NS-0043;
- ``phone_digits``: the phone number's digits without the UK prefix (``+44``/``0044``/``0``).

A query is split into dates of birth (day first, as a UK clinic writes them), phone numbers
and words; every part must match (``assessments.selectors.search_patients``). A word matches
when its folded form is part of ``search_name``: "obrien" finds O'Brien, "zoe" finds Zoë,
"Lowe, Harriet" and "Harriet Lowe" both find Harriet Lowe, "ns-0043" finds NS-0043.
Folding the query and the stored names the same way keeps the search a plain substring match
that a trigram index serves, instead of a function called on every row.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

# Letters NFKD does not split into a base letter and an accent.
_UNSPLIT = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)

MAX_WORDS = 6
# A run of at least this many digits is read as (part of) a phone number.
PHONE_MIN_DIGITS = 6


def fold(text: str) -> str:
    """Lower case, without accents, keeping only letters and digits: ``"O'Brien-Zoë"`` →
    ``"obrienzoe"``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNSPLIT))
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in "".join(kept).casefold() if c.isalnum())


def search_name(*, family_name: str, given_name: str, identifier: str) -> str:
    """The stored ``search_name`` of a patient (see the module's docstring)."""
    return " ".join([fold(family_name), fold(given_name), fold(identifier)])


def phone_digits(phone: str) -> str:
    """The digits of a phone number without the UK country or trunk prefix, so that
    ``+44 7700 900123``, ``0044 7700 900123`` and ``07700 900123`` are all ``7700900123``.

    Other countries keep their code (``+33 6 12 ...`` → ``33612...``), so a French number
    typed without it will not match: enter numbers as the patient gives them.
    """
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+") and digits.startswith("44"):
        digits = digits[2:]
    elif digits.startswith("0044"):
        digits = digits[4:]
    return digits.removeprefix("0")


# --- Queries ---------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

# 2026-03-14
_ISO = re.compile(r"(?<![\w/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w/.-])")
# 14/03/2026, 14.03.2026, 14-03-2026, 14/3/26 (day first; a hyphen needs a four-digit year)
_NUMERIC = re.compile(
    r"(?<![\w/.-])(\d{1,2})(?:([/.])(\d{1,2})\2(\d{4}|\d{2})|-(\d{1,2})-(\d{4}))(?![\w/.-])"
)
# 14 Mar 2026, 14 March 1988, 14-Mar-2026, 3rd March 1988
_WORDY = re.compile(
    r"(?<![\w/.-])(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]{3,9})\.?,?[\s-]+(\d{4})(?![\w/.-])",
    re.IGNORECASE,
)
# +44 7700 900123, 07700 900123, (01632) 960 001: digits with spaces, brackets, hyphens
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d\s()-]*\d\)?(?![\w-])")
_WORD_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class PhoneTerm:
    national: str  # compared with ``phone_digits``
    digits: str  # every digit typed, compared with ``search_name`` (numeric identifiers)


@dataclass(frozen=True)
class Query:
    """A search box's text, understood: every part must match."""

    words: tuple[str, ...] = ()
    dates: tuple[datetime.date, ...] = ()
    phones: tuple[PhoneTerm, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.dates or self.phones)

    @property
    def is_selective(self) -> bool:
        """Whether an index narrows the matches to a few rows (a date, a phone number or a
        word of three characters or more: one trigram), so sorting every match is cheap."""
        return bool(self.dates or self.phones or any(len(w) >= 3 for w in self.words))


def _year(text: str, today: datetime.date) -> int:
    """A four-digit year, or a two-digit one read as the latest year not after this one."""
    year = int(text)
    if len(text) == 2:
        year += today.year // 100 * 100
        if year > today.year:
            year -= 100
    return year


def _date(day: str, month: int | str, year: str, today: datetime.date) -> datetime.date | None:
    try:
        return datetime.date(_year(year, today), int(month), int(day))
    except ValueError:
        return None


def _take_dates(text: str, today: datetime.date) -> tuple[str, list[datetime.date], list[str]]:
    """Dates found in ``text``, the text without them, and the date-like parts that are not
    dates (for a message)."""
    found: list[datetime.date] = []
    bad: list[str] = []

    def keep(match: re.Match[str], value: datetime.date | None) -> str:
        if value is None:
            bad.append(match.group(0))
        else:
            found.append(value)
        return " "

    text = _ISO.sub(lambda m: keep(m, _date(m[3], m[2], m[1], today)), text)
    text = _NUMERIC.sub(
        lambda m: keep(
            m,
            _date(m[1], m[3], m[4], today) if m[2] else _date(m[1], m[5], m[6], today),
        ),
        text,
    )

    def wordy(m: re.Match[str]) -> str:
        month = _MONTHS.get(m[2].casefold())
        if month is None:  # "12 Smith 2020": not a date, leave the words alone
            return m.group(0)
        return keep(m, _date(m[1], month, m[3], today))

    return _WORDY.sub(wordy, text), found, bad


def _take_phones(text: str) -> tuple[str, list[PhoneTerm]]:
    phones: list[PhoneTerm] = []

    def keep(match: re.Match[str]) -> str:
        raw = match.group(0)
        digits = "".join(c for c in raw if c.isdigit())
        if len(digits) < PHONE_MIN_DIGITS:
            return raw
        phones.append(PhoneTerm(national=phone_digits(raw), digits=digits))
        return " "

    return _PHONE.sub(keep, text), phones


def parse_query(text: str, *, today: datetime.date | None = None) -> Query:
    """Split a search into dates of birth, phone numbers and words (see the module)."""
    today = today or datetime.date.today()
    rest, dates, bad = _take_dates(text, today)
    rest, phones = _take_phones(rest)
    words = [w for w in (fold(part) for part in _WORD_SEPARATORS.split(rest)) if w]
    errors = tuple(
        f"“{part}” is not a date. Dates are read day first, for example 14/03/1988." for part in bad
    )
    if len(words) + len(dates) + len(phones) > MAX_WORDS:
        # Beyond six parts a search is a pasted paragraph: keep the first six words.
        words = words[: max(0, MAX_WORDS - len(dates) - len(phones))]
    return Query(words=tuple(words), dates=tuple(dates), phones=tuple(phones), errors=errors)
