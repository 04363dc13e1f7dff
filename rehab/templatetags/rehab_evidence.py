"""Readable evidence for the rehab pages: citations and plain evidence words, never keys.

Plans and reviews keep the strings the rules gave when they were made; older ones carry
internal tags ("[C2: S16]", "[Dev]", "(KNOWLEDGE 4.5)"). ``readable`` rewrites them for
display only (``pht.rules.rehab.wording.readable``); stored data is never changed.
"""

from collections.abc import Mapping

from django import template

from pht.rules.rehab import evidence_words as _evidence_words
from pht.rules.rehab import readable as _readable
from pht.rules.rehab import readable_citation

register = template.Library()


@register.filter
def readable(text):
    """A stored reason, note or citation with internal tags rewritten as plain words."""
    return _readable(text) if isinstance(text, str) else text


@register.filter
def source_citation(source) -> str:
    """The readable citation of a rehab ``Source`` or of its stored ``to_dict()``."""
    if isinstance(source, Mapping):
        if source.get("citation"):
            return str(source["citation"])
        # Stored before the readable citation was kept with the keys: rebuild it.
        return readable_citation(tuple(source.get("keys") or ()), str(source.get("status", "")))
    citation = getattr(source, "citation", "")
    return citation if isinstance(citation, str) else ""


@register.filter
def source_note(source) -> str:
    note = source.get("note", "") if isinstance(source, Mapping) else getattr(source, "note", "")
    return _readable(note) if isinstance(note, str) else ""


@register.filter
def evidence_words(status) -> str:
    """An evidence status in plain words, e.g. "from a secondary summary"."""
    return _evidence_words(str(status))


@register.filter
def exercise_evidence(exercise) -> str:
    """A library exercise's evidence status in plain words."""
    if exercise.source_status == "Dev" and not exercise.is_shipped:
        return "a choice of this clinic, not yet validated"
    return _evidence_words(exercise.source_status or "")


@register.filter
def exercise_source(exercise) -> str:
    """A library exercise's source: its citation and plain evidence words, never the key."""
    citation = _readable(exercise.source_citation or "")
    words = exercise_evidence(exercise)
    if exercise.source_status == "C" or not words:
        return citation
    return f"{citation} ({words})" if citation else words
