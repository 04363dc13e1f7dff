"""Reading a clinic's patient list from a CSV file, as pure functions (no database, no models).

A clinic moving to PHT Clinic exports its patients from the system it used before, usually
from a spreadsheet. What that file may look like:

- **Encoding**: UTF-8, with or without the byte-order mark Excel writes ("CSV UTF-8").
  Anything else (Windows-1252, UTF-16) is refused with a message saying how to save it.
- **Delimiter**: comma or semicolon (spreadsheets in many European locales write ``;``),
  sniffed from the header row.
- **Header row**: matched case-insensitively, spaces, dots, hyphens and underscores ignored,
  with the usual aliases (``MRN`` or ``chart number`` for the identifier, ``first name`` or
  ``forename`` for the given name, ``surname`` or ``last name`` for the family name, ``DOB``
  ...). Given name, family name and date of birth are required columns.
- **Size**: at most ``max_bytes`` and ``max_rows`` data rows (settings).

Each row is then checked with the rules of the patient form (``assessments.forms``): required
fields, the date of birth (day first, as everywhere in the app, or ISO; not in the future nor
before 1900), sex, the identifier's pattern, field lengths, e-mail address, and the names'
hygiene (``assessments.duplicates.name_problem``). Whether a row is already in the clinic, or
likely to be someone already there, needs the database: the import service decides that.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from assessments import duplicates
from pht.formats.en_GB.formats import DATE_INPUT_FORMATS

# The patient form's rules (assessments/forms.py uses the same constants).
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")
OLDEST_BIRTH_YEAR = 1900
NOTES_MAX_LENGTH = 5000
# The Patient model's column lengths (a test keeps them equal).
MAX_LENGTHS = {
    "identifier": 40,
    "given_name": 100,
    "family_name": 100,
    "email": 254,
    "phone": 30,
    "notes": NOTES_MAX_LENGTH,
}

COLUMNS = ("identifier", "given_name", "family_name", "date_of_birth", "sex", "email", "phone")
COLUMNS += ("notes",)
REQUIRED_COLUMNS = ("given_name", "family_name", "date_of_birth")
COLUMN_TITLES = {
    "identifier": "Identifier",
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "email": "Email",
    "phone": "Phone",
    "notes": "Notes",
}
# Header spellings, compared after ``_key`` (lower case, no spaces or punctuation).
ALIASES = {
    "identifier": (
        "identifier",
        "id",
        "mrn",
        "medicalrecordnumber",
        "chartnumber",
        "chartno",
        "patientid",
        "patientnumber",
        "hospitalnumber",
        "reference",
        "clinicidentifier",
    ),
    "given_name": ("givenname", "givennames", "firstname", "forename", "forenames", "first"),
    "family_name": ("familyname", "surname", "lastname", "last"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "born", "birthday"),
    "sex": ("sex", "gender"),
    "email": ("email", "emailaddress", "mail"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone"),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
}
_BY_ALIAS = {alias: column for column, aliases in ALIASES.items() for alias in aliases}

SEX_VALUES = {
    "f": "female",
    "female": "female",
    "woman": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "o": "other",
    "other": "other",
    "u": "not_stated",
    "unknown": "not_stated",
    "notstated": "not_stated",
    "notknown": "not_stated",
    "": "not_stated",
}

NOT_UTF8 = (
    "This file is not in UTF-8, so its accented letters cannot be read reliably. In your "
    "spreadsheet choose File › Save as › “CSV UTF-8 (comma delimited)”, then upload that file."
)
EMPTY = "This file is empty. Upload a CSV file with a header row and one patient per row."
NO_ROWS = "This file has a header row but no patients in it."


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why, in plain words."""


@dataclass(frozen=True)
class ParsedFile:
    columns: dict[str, int]  # our column -> position in the file
    # (row number in the spreadsheet, the header being row 1; our column -> raw text)
    rows: list[tuple[int, dict[str, str]]]
    ignored: list[str] = field(default_factory=list)  # headers not understood

    @property
    def row_count(self) -> int:
        return len(self.rows)


def _key(header: str) -> str:
    return re.sub(r"[\s._\-/#()]+", "", header.strip().casefold())


def decode(data: bytes) -> str:
    """The file's text: UTF-8 with its byte-order mark dropped, or ImportFileError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(NOT_UTF8)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(NOT_UTF8) from None
    if "\x00" in text:
        raise ImportFileError(NOT_UTF8)
    return text


def _delimiter(header_line: str) -> str:
    # Sniffing the header alone: a header holds no quoted commas in practice, and the sniffer
    # reading data rows is thrown by notes full of commas.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def map_columns(headers: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        column = _BY_ALIAS.get(_key(header))
        if column is None or column in columns:
            if header.strip():
                ignored.append(header.strip())
            continue
        columns[column] = position
    return columns, ignored


def _missing_message(missing: list[str]) -> str:
    titles = ", ".join(COLUMN_TITLES[c].lower() for c in missing)
    return (
        f"The header row has no column for: {titles}. The first row must name the columns "
        "(download the template to see them); given name, family name and date of birth "
        "are needed."
    )


def parse(data: bytes, *, max_bytes: int, max_rows: int) -> ParsedFile:
    """Read the file's header and rows, or raise ImportFileError with the reason."""
    if len(data) > max_bytes:
        raise ImportFileError(
            f"This file is larger than {max_bytes // (1024 * 1024) or 1} MB. Split it into "
            "smaller files and import them one after the other."
        )
    text = decode(data)
    if not text.strip():
        raise ImportFileError(EMPTY)
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line))
        header, header_number = next(reader, None), 1
        while header is not None and not any(cell.strip() for cell in header):
            header, header_number = next(reader, None), header_number + 1
        if header is None:
            raise ImportFileError(EMPTY)
        columns, ignored = map_columns(header)
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise ImportFileError(_missing_message(missing))
        rows = []
        for number, cells in enumerate(reader, start=header_number + 1):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, often at the end
            if len(rows) >= max_rows:
                raise ImportFileError(
                    f"This file has more than {max_rows:,} patients. Split it into smaller "
                    "files and import them one after the other."
                )
            rows.append(
                (number, {c: (cells[i] if i < len(cells) else "") for c, i in columns.items()})
            )
    except csv.Error:
        raise ImportFileError(
            "This file could not be read as CSV (a quotation mark is left open somewhere). "
            "Save it again from your spreadsheet as CSV UTF-8."
        ) from None
    if not rows:
        raise ImportFileError(NO_ROWS)
    return ParsedFile(columns=columns, rows=rows, ignored=ignored)


# --- One row ------------------------------------------------------------------------------


@dataclass
class CheckedRow:
    number: int  # the row's line in the spreadsheet: the header is row 1
    values: dict[str, str]  # cleaned values, dates as ISO text
    messages: list[str]

    @property
    def valid(self) -> bool:
        return not self.messages


def parse_date(text: str) -> datetime.date | None:
    text = " ".join(text.split())
    for fmt in DATE_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _check_date(text: str, today: datetime.date) -> tuple[str, str | None]:
    if not text:
        return "", "Date of birth is missing."
    day = parse_date(text)
    if day is None:
        return "", (
            f"“{text[:40]}” is not a date of birth we can read: write it day first, "
            "for example 14/03/1988, or as 1988-03-14."
        )
    if day > today:
        return "", "The date of birth is in the future."
    if day.year < OLDEST_BIRTH_YEAR:
        return "", f"Check the year of birth: dates before {OLDEST_BIRTH_YEAR} are not accepted."
    return day.isoformat(), None


def _check_name(label: str, text: str) -> str | None:
    if not text:
        return f"{label} is missing."
    return duplicates.name_problem(text)


def _check_identifier(text: str) -> str | None:
    if text and not IDENTIFIER_PATTERN.match(text):
        return (
            "The identifier may only use letters, digits, spaces, dots, slashes or hyphens, "
            "starting with a letter or digit."
        )
    return None


def _check_sex(text: str) -> tuple[str, str | None]:
    value = SEX_VALUES.get(_key(text))
    if value is None:
        return "", (
            f"“{text[:20]}” is not a sex we understand: use F, M, female, male, other, "
            "unknown or not stated (or leave it empty)."
        )
    return value, None


def _check_email(text: str) -> str | None:
    if not text:
        return None
    try:
        validate_email(text)
    except ValidationError:
        return f"“{text[:60]}” is not an e-mail address."
    return None


def _check_lengths(values: dict[str, str]) -> list[str]:
    return [
        f"{COLUMN_TITLES[column]} is too long (at most {limit:,} characters)."
        for column, limit in MAX_LENGTHS.items()
        if len(values.get(column, "")) > limit
    ]


def check_row(number: int, raw: dict[str, str], *, today: datetime.date) -> CheckedRow:
    """One data row checked against the patient form's rules: cleaned values and messages."""
    values = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    messages: list[str] = []
    for column, label in (("given_name", "Given name"), ("family_name", "Family name")):
        problem = _check_name(label, values[column])
        if problem:
            messages.append(problem)
    values["date_of_birth"], problem = _check_date(values["date_of_birth"], today)
    if problem:
        messages.append(problem)
    values["sex"], sex_problem = _check_sex(values["sex"])
    others = (sex_problem, _check_identifier(values["identifier"]), _check_email(values["email"]))
    messages.extend(problem for problem in others if problem)
    messages.extend(_check_lengths(values))
    return CheckedRow(number=number, values=values, messages=messages)


def template_csv() -> str:
    """The downloadable template: the columns and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([COLUMN_TITLES[c] for c in COLUMNS])
    writer.writerow(
        [
            "NS-1001",
            "Harriet",
            "Lowe",
            "14/03/1988",
            "F",
            "harriet.lowe@example.org",
            "07700 900123",
            "Moved from the previous system",
        ]
    )
    return out.getvalue()
