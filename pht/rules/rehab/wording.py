"""Plain words: counts with the right plural, and readable text from older stored strings.

Plans and reviews store the reasons the rules gave at the time. Before the readable
citations, those strings carried internal tags ("[C2: S16]", "[Dev]", "[M]",
"[Dev on C2: S16]", "(KNOWLEDGE 4.5)", "source S27", "1 week(s)"). :func:`readable` rewrites
such a string into the words shown today, for display only: stored data is never changed.
"""

from __future__ import annotations

import re

from pht.rules.rehab.vocabulary import readable_citation
from pht.rules.sources import EVIDENCE_NOTE, REGISTRY

CONFIRMED_WORDS = "confirmed in the source"


def plural(count: float, word: str, plural_word: str | None = None) -> str:
    """``plural(0, "week")`` -> "0 weeks", 1 -> "1 week", 1.5 -> "1.5 weeks"."""
    form = word if count == 1 else (plural_word or f"{word}s")
    return f"{count:g} {form}"


def evidence_words(status: str) -> str:
    """Plain words for an evidence status; "confirmed in the source" for C."""
    return EVIDENCE_NOTE.get(status) or (CONFIRMED_WORDS if status == "C" else "")


_STATUS = r"(?:C2|C|M|Dev)"
_BRACKET = re.compile(r"(\s*)\[([^\[\]]+)\]")
_PART_CITED = re.compile(rf"^(?:(?P<on>Dev) on )?(?P<status>{_STATUS})(?::\s*(?P<keys>.+))?$")
_PART_WORDS = re.compile(rf"^(?P<words>.+?)\s+(?P<status>{_STATUS})$")
_KEY_LIKE = re.compile(r"^(?:S\d+b?|S-[a-z]+(?:-[a-z]+)*|[A-Z]+(?:-[A-Z0-9]+)+|DEV)$")
_SECTION = r"KNOWLEDGE(?:\.md)?,?(?: section)? \d+(?:\.\d+)*(?:\s*[-–]\s*\d+(?:\.\d+)*)?"
_KNOWLEDGE_AFTER_WORD = re.compile(rf"\b(as summarised in|from|in|see) {_SECTION}")
_KNOWLEDGE = re.compile(rf",?\s*{_SECTION}")
_SOURCE_KEY = re.compile(r"\bsources? (S\d+b?|S-[a-z]+(?:-[a-z]+)*)\b")
_WEEKS = re.compile(r"\b(\d+(?:\.\d+)?) week\(s\)")
_ARTICLE = re.compile(r"\b([Aa]) (?=(?:uncertain|unstaged)\b)")


def _predicate(status: str, keys: tuple[str, ...]) -> str:
    """The words after "is" / "are": "X is [C: S32]" -> "X is confirmed in <citation>"."""
    names = "; ".join(REGISTRY[key].citation for key in keys if key != "DEV")
    if status == "C":
        return f"confirmed in {names}" if names else CONFIRMED_WORDS
    if status == "C2":
        return f"from {names}, a secondary summary" if names else EVIDENCE_NOTE["C2"]
    if status == "Dev":
        return f"a {EVIDENCE_NOTE['Dev']}"
    return EVIDENCE_NOTE[status]


def _part_words(part: str, *, predicate: bool) -> str | None:
    cited = _PART_CITED.match(part)
    if cited:
        keys: list[str] = []
        for key in re.split(r"\s*,\s*", cited["keys"] or ""):
            if key in REGISTRY:
                keys.append(key)
            elif key and not (key.startswith("KNOWLEDGE") or _KEY_LIKE.match(key)):
                return None  # not a tag: leave the bracket as written
        status = cited["status"]
        if predicate and not cited["on"]:
            return _predicate(status, tuple(keys))
        words = readable_citation(tuple(keys), status, in_text=True) or evidence_words(status)
        if cited["on"]:
            return f"{'a ' if predicate else ''}{EVIDENCE_NOTE['Dev']}, based on {words}"
        return words
    worded = _PART_WORDS.match(part)
    if worded and not _KEY_LIKE.match(worded["words"]):
        return f"{worded['words']}: {evidence_words(worded['status'])}"
    return None


_PREDICATE_BEFORE = re.compile(r"\b(?:is|are)$")


def _bracket(match: re.Match[str]) -> str:
    before = match.string[: match.start()]
    raw = [part.strip() for part in match[2].split(";")]
    predicate = len(raw) == 1 and bool(_PREDICATE_BEFORE.search(before))
    parts = [_part_words(part, predicate=predicate) for part in raw]
    if any(part is None for part in parts):
        return match[0]
    space = " " if match.start() > 0 else ""
    if predicate:
        return f"{space}{parts[0]}"
    return f"{space}({'; '.join(p for p in parts if p)})"


def _source_key(match: re.Match[str]) -> str:
    key = match[1]
    return REGISTRY[key].citation if key in REGISTRY else "a source"


def readable(text: str) -> str:
    """``text`` with internal tags and keys rewritten as readable citations and words.

    >>> readable("Start with isometrics [Dev on C2: S16].")
    'Start with isometrics (project heuristic, not yet validated, based on Advantage Sport Medicine: PHT guidance, from a secondary summary).'
    """
    if not isinstance(text, str):
        return text
    text = _BRACKET.sub(_bracket, text)
    text = _KNOWLEDGE_AFTER_WORD.sub(r"\1 the project's evidence notes", text)
    text = _KNOWLEDGE.sub("", text)
    text = _SOURCE_KEY.sub(_source_key, text)
    text = _WEEKS.sub(lambda m: plural(float(m[1]), "week"), text)
    text = _ARTICLE.sub(r"\1n ", text)
    text = re.sub(r"\s*\(\s*\)", "", text)  # a parenthesis left empty
    text = re.sub(r"\)\s+\(", "; ", text)  # "(a) (b)" -> "(a; b)"
    text = re.sub(r"\s+([.,;:])(?=\s|$)", r"\1", text)  # space left before punctuation
    return re.sub(r"\s{2,}", " ", text)
