"""The version of the clinical rules.

Every stored evaluation carries ``RULES_VERSION`` so that a signed assessment can always be
explained by the rules it was produced with. Bump it whenever a rule, weight, threshold or
pre-test tier changes (``tests/rules/test_version.py`` pins a hash of the tables to this
string and fails when one changes without the other).

Format: ``YEAR.MONTH.N`` (N counts releases within the month).
"""

RULES_VERSION = "2026.12.2"
