"""``pht.rules.evaluate`` on anything JSON can hold: it answers, or lists what is wrong.

The rules read findings from the database, from forms and from ``python -m pht.rules``
(a JSON file), so they must refuse any input with FindingsError and its messages, and
never fail with another exception.
"""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pht.rules import FindingsError, evaluate
from pht.rules.findings import FINDINGS
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import arbitrary_json
from tests.rules.strategies import findings

KEYS = [spec.key for spec in FINDINGS]


@st.composite
def spoilt_findings(draw):
    """Valid findings with some values (or the imaging object) replaced by any JSON value."""
    base = draw(findings())
    spoilt = draw(st.dictionaries(st.sampled_from(KEYS), arbitrary_json(), max_size=4))
    return {**base, **spoilt}


ANY_FINDINGS = st.one_of(arbitrary_json(), spoilt_findings(), findings())
ANY_PRE_TEST = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), arbitrary_json()
)


def evaluate_or_messages(raw, pre):
    try:
        result = evaluate(raw, pre_test_probability=pre)
    except FindingsError as error:
        return None, error.errors
    return result, []


@settings(FUZZ, max_examples=300)
@given(raw=ANY_FINDINGS, pre=ANY_PRE_TEST)
def test_evaluate_answers_or_raises_findings_error(raw, pre):
    result, messages = evaluate_or_messages(raw, pre)
    if result is None:
        assert messages, "FindingsError without a message"
        assert all(isinstance(m, str) and m.strip() for m in messages)
    else:
        json.dumps(result.to_dict(), allow_nan=False)


@settings(FUZZ, max_examples=150)
@given(raw=ANY_FINDINGS)
def test_evaluate_is_a_function_of_its_input(raw):
    first, second = evaluate_or_messages(raw, None), evaluate_or_messages(raw, None)
    if first[0] is None:
        assert first[1] == second[1]
    else:
        assert first[0].to_dict() == second[0].to_dict()
