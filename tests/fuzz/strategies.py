"""Hypothesis strategies for what a careless user or an attacker types into a form.

``junk()`` is any string a browser could send: unicode, empty, huge and negative numbers,
impossible dates, markup meant to run as script, NUL bytes, text past every max_length.
``for_field(field)`` mixes plausible values for a Django form field with junk, so a run
reaches both the success path and every validation path. ``arbitrary_json()`` is any value
``json.loads`` could return.
"""

import datetime
import decimal

from django import forms
from hypothesis import strategies as st

NASTY = [
    "",
    " ",
    "0",
    "-0",
    "-1",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "9" * 40,
    "-" + "9" * 40,
    "1.5",
    "0.05",
    "1,5",
    "١٢",  # Arabic-Indic digits: int() accepts them
    "²",
    "0x10",
    "1_000",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "31/12/2026",
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)",
    "javascript:alert(1)",
    "{{ 7|add:7 }}",
    "'; DROP TABLE assessments_patient;--",
    "\x00",
    "a\x00b",
    "\u202e",
    "😀" * 3,
    "a" * 6000,
    "yes",
    "no",
    "on",
    "true",
    "positive",
    "left",
    "None",
    "[]",
    "{}",
]


def junk() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=30),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
    )


def _dates(low: datetime.date, high: datetime.date) -> st.SearchStrategy[str]:
    return st.dates(min_value=low, max_value=high).map(datetime.date.isoformat)


def plausible(field: forms.Field, *, earliest: datetime.date) -> st.SearchStrategy:
    """Values a user could pick in the browser for ``field`` (the form may still refuse
    combinations of them)."""
    today = datetime.date.today()
    if isinstance(field, forms.MultipleChoiceField):
        values = [str(value) for value, _ in field.choices if value != ""]
        return st.lists(st.sampled_from(values), unique=True) if values else st.just([])
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from([str(value) for value, _ in field.choices])
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field, forms.DateField):
        return _dates(earliest, today + datetime.timedelta(days=400))
    if isinstance(field, forms.IntegerField):
        low = field.min_value if field.min_value is not None else -5
        high = field.max_value if field.max_value is not None else 2000
        return st.integers(min_value=int(low) - 2, max_value=int(high) + 2).map(str)
    if isinstance(field, forms.DecimalField):
        return st.decimals(
            min_value=decimal.Decimal(-5), max_value=decimal.Decimal(5000), places=2
        ).map(str)
    if isinstance(field, forms.EmailField):
        return st.sampled_from(["hannah@example.org", "a@b.co", "not-an-email"])
    if isinstance(field, forms.CharField):
        return st.text(min_size=1, max_size=40)
    return junk()


def for_field(field: forms.Field, *, earliest: datetime.date) -> st.SearchStrategy:
    """Mostly plausible values, sometimes junk, sometimes a list where one value is expected."""
    return st.one_of(
        plausible(field, earliest=earliest),
        junk(),
        st.lists(junk(), min_size=2, max_size=3),
    )


def form_data(
    fields: dict[str, forms.Field], *, earliest: datetime.date, required: tuple[str, ...] = ()
) -> st.SearchStrategy[dict]:
    """A POST body for ``fields``: any subset of them (``required`` ones mostly present)."""
    optional = {name: for_field(field, earliest=earliest) for name, field in fields.items()}
    always = {name: optional.pop(name) for name in required}
    return st.fixed_dictionaries(always, optional=optional)


def near_valid(
    base: dict, fields: dict[str, forms.Field], *, earliest: datetime.date
) -> st.SearchStrategy[dict]:
    """A valid POST body with up to three fields changed or dropped: reaches the success
    path, and the checks just beside it, far more often than independent values do."""
    names = sorted({*base, *fields})

    def change(pair):
        data, dropped = pair
        return {k: v for k, v in {**base, **data}.items() if k not in dropped}

    changed = st.dictionaries(
        st.sampled_from(names),
        st.one_of(*(for_field(f, earliest=earliest) for f in fields.values()), junk()),
        max_size=3,
    )
    dropped = st.sets(st.sampled_from(names), max_size=1)
    return st.tuples(changed, dropped).map(change)


def arbitrary_json() -> st.SearchStrategy:
    """Any JSON value: nested objects and arrays of any scalars."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=20), inner, max_size=5),
        ),
        max_leaves=15,
    )
