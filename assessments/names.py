"""Tidying the names a clinician types, before the patient service stores them.

Every name is trimmed, its runs of spaces collapsed to one (spaces around a hyphen are
dropped: "Smith - Jones" is "Smith-Jones") and put in Unicode NFKC, so that "Zoë" typed with a
combining diaeresis is stored as the same letters as "Zoë" typed as one, and full-width
letters or ligatures pasted from another program ("ﬁ") as the ordinary ones. Invisible and
direction-changing characters, and words mixing alphabets, are refused before this
(``assessments.duplicates.name_problem``).

Casing is left alone when the name was typed in mixed case: the clinician has chosen it
("van der Berg", "de la Cruz", "McDonald", "MacLeod", "DeShawn" are kept as typed). A name
typed all in capitals or all in lower case ("LOWE", "harriet") is put in title case, with
the usual surname patterns handled: O'Brien, D'Arcy, McDonald, MacLeod (not Machin or
Mackie), Smith-Jones, and in a family name the particles van, von, de, da, der, ... stay
lower case before the rest of the name ("VAN DER BERG" → "van der Berg"). Where that guess
is wrong for a given family (some write "Macdonald", others "MacDonald"), typing the name in
mixed case keeps it exactly.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_HYPHEN = re.compile(r"\s*-\s*")
_APOSTROPHES = "'’"  # the typewriter and the typographic apostrophe

# Particles written in lower case inside a family name (Dutch, German, Spanish, Portuguese,
# French): "van der Berg", "von Trapp", "de la Cruz", "da Silva", "dos Santos".
PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "das", "dos", "do", "ter", "ten"})
# Lower case only after one of the particles above: "de la Cruz", "van den Broek", "de los
# Santos". On their own they are capitalised, as in Italian and French: "La Rosa", "Le Roux",
# "Di Maria", "Del Piero", "Du Bois".
FOLLOWING_PARTICLES = frozenset({"la", "las", "los", "le", "del", "des", "di", "du", "het", "t"})

# Surnames that begin with "Mac" without being Mac + a name.
NOT_MAC = frozenset(
    {
        "macaluso",
        "macedo",
        "machado",
        "machell",
        "machin",
        "macias",
        "maciel",
        "mackey",
        "mackie",
        "mackle",
        "macklin",
        "macon",
        "macri",
    }
)
MIN_MAC_REST = 3  # MacLeod, MacRae: "Mace", "Mack" and "Macy" are not Mac + a name


def _is_mixed_case(name: str) -> bool:
    return any(c.isupper() for c in name) and any(c.islower() for c in name)


def _capitalise(part: str, *, family: bool) -> str:
    """One hyphen-free part of a name, from all-capitals or all-lower-case input."""
    lower = part.lower()
    for mark in _APOSTROPHES:
        head, sep, tail = lower.partition(mark)
        if sep and len(head) == 1 and tail:  # O'Brien, D'Arcy, N'Diaye
            return head.upper() + sep + tail.capitalize()
    if family and lower.startswith("mc") and len(lower) > len("mc"):
        return "Mc" + lower[2:].capitalize()
    if (
        family
        and lower.startswith("mac")
        and len(lower) - len("mac") >= MIN_MAC_REST
        and lower not in NOT_MAC
    ):
        return "Mac" + lower[3:].capitalize()
    return lower.capitalize()


def _title_case(name: str, *, family: bool) -> str:
    words = name.split(" ")
    out = []
    previous_particle = False
    for position, word in enumerate(words):
        lower = word.lower()
        last = position == len(words) - 1
        particle = (
            family
            and not last
            and (lower in PARTICLES or (previous_particle and lower in FOLLOWING_PARTICLES))
        )
        if particle:
            out.append(lower)
        else:
            out.append("-".join(_capitalise(p, family=family) for p in word.split("-")))
        previous_particle = particle
    return " ".join(out)


def tidy_name(name: str, *, family: bool = False) -> str:
    """A given name (``family=False``) or family name as the patient record stores it."""
    name = unicodedata.normalize("NFKC", name)
    name = _HYPHEN.sub("-", _SPACES.sub(" ", name).strip()).strip("-")
    if not name or _is_mixed_case(name):
        return name
    return _title_case(name, family=family)
