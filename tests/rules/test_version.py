"""RULES_VERSION must change whenever a rule, weight or threshold changes.

The test hashes every table and threshold the rules read. If it fails, you changed the rules:
bump ``RULES_VERSION`` in ``pht/rules/version.py`` and update ``PINNED`` below to the new pair.
"""

import hashlib
import re

from pht.rules import RULES_VERSION, differentials, next_tests, probability, red_flags, stage
from pht.rules.sources import SOURCES

PINNED = {"2026.11.1": "9acb09ca32291ac176128dffe7bf03ede2afc7c9a7e7de21328cf67966b2b480"}


def rules_fingerprint() -> str:
    parts = [
        repr(differentials.TABLES),
        repr(differentials.STRENGTH_POINTS),
        repr((differentials.LIKELY_MIN, differentials.POSSIBLE_MIN)),
        repr(differentials.CLINICAL_PRIORITY),
        repr(red_flags.RED_FLAG_RULES),
        repr(probability.PROVOCATION_TESTS),
        repr(probability.PRE_TEST_TIERS),
        repr(
            (
                stage.REACTIVE_MAX_WEEKS,
                stage.CHRONIC_MIN_WEEKS,
                stage.YOUNG_AGE_MAX,
                stage.OLDER_AGE_MIN,
                stage.LOW_SITTING_TOLERANCE_MIN,
                stage.HIGH_IRRITABILITY_MARKERS,
                stage.MIN_INPUTS,
                stage.STAGE_MARGIN,
            )
        ),
        repr(
            (
                next_tests.CANDIDATES,
                next_tests.PLAUSIBLE_WEIGHT,
                next_tests.UNLIKELY_WEIGHT,
                next_tests.TOP_CHANGE_BONUS,
                next_tests.MIN_IMPACT,
                next_tests.MAX_NEXT_TESTS,
            )
        ),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def test_rules_version_is_pinned_to_the_rules_hash() -> None:
    fingerprint = rules_fingerprint()
    assert PINNED.get(RULES_VERSION) == fingerprint, (
        "The rule tables or thresholds changed (or RULES_VERSION did) without the other. "
        "Bump RULES_VERSION in pht/rules/version.py and set PINNED in "
        f"tests/rules/test_version.py to {{{RULES_VERSION!r}: {fingerprint!r}}} "
        "(with the new version string)."
    )


def test_rules_version_format() -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", RULES_VERSION)


def test_every_rule_cites_a_known_source_and_reads_known_findings() -> None:
    from pht.rules.findings import label

    for table in differentials.TABLES:
        for rule in table.rules:
            assert rule.source in SOURCES, (table.slug, rule)
            for key in rule.when.keys:
                label(key)  # raises KeyError for a key outside the vocabulary
            assert (rule.value > 0) == (rule.strength in ("+", "++")), rule
    for flag in red_flags.RED_FLAG_RULES:
        assert flag.source in SOURCES
        for trigger in flag.triggers:
            for key in trigger.keys:
                label(key)


def test_every_diagnosis_slug_has_a_table_and_a_priority() -> None:
    slugs = {table.slug for table in differentials.TABLES}
    assert slugs == set(differentials.CLINICAL_PRIORITY)
    assert len(slugs) == 13
