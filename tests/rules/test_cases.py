"""Run every named clinical case in ``cases.py``."""

import pytest

from pht.rules import evaluate
from tests.rules.cases import ANY, CASES, Case

LEVEL_RANK = {"unlikely": 0, "possible": 1, "likely": 2}


def test_there_are_at_least_50_cases_with_unique_ids() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 50
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_case(case: Case) -> None:
    result = evaluate(case.findings, pre_test_probability=case.pre_test)
    summary = [(d.slug, d.score, d.level) for d in result.differentials]

    if case.top is not None:
        assert result.differentials[0].slug == case.top, summary
    for slug, level in case.levels.items():
        assert result.differential(slug).level == level, summary
    for slug in case.at_least_possible:
        assert LEVEL_RANK[result.differential(slug).level] >= 1, summary
    if case.red_flags is not None:
        assert {flag.slug for flag in result.red_flags} == case.red_flags
    if case.stage is not ANY:
        got = result.stage.slug if result.stage else None
        reasons = result.stage.reasons if result.stage else ()
        assert got == case.stage, reasons
    if case.post_test is not ANY:
        assert result.pht_probability.post_test == case.post_test
    if case.discordant is not None:
        assert result.pht_probability.discordant is case.discordant
    suggested = [test.finding for test in result.next_tests]
    for key in case.next_tests_include:
        assert key in suggested, suggested
    for key in case.next_tests_exclude:
        assert key not in suggested, suggested
