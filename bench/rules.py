"""Benchmark: how fast is ``pht.rules.evaluate`` compared with one bare Django request?

Run: ``DEBUG=1 .venv/bin/python bench/rules.py`` (never run as a test). Prints evaluations per
second over the named clinical cases (``tests/rules/cases.py``), the cost of one evaluation
(with and without ``to_dict()``), the cost of one ``GET /accounts/login/`` through Django's
test client in the same process, and the ratio (target: below 0.2).
"""

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pht.rules import evaluate  # noqa: E402
from tests.rules.cases import CASES  # noqa: E402

ROUNDS = 5
REQUESTS = 300


def per_call_us(fn: Callable[[], object], calls: int) -> float:
    """Best-of-ROUNDS mean time per call, in microseconds (best-of filters noise)."""
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        timings.append((time.perf_counter() - start) / calls * 1e6)
    return min(timings)


def bench_rules() -> tuple[float, float]:
    inputs = [(case.findings, case.pre_test) for case in CASES]

    def one_pass() -> None:
        for findings, pre in inputs:
            evaluate(findings, pre_test_probability=pre)

    def one_pass_dict() -> None:
        for findings, pre in inputs:
            evaluate(findings, pre_test_probability=pre).to_dict()

    one_pass()  # warm up
    evaluate_us = per_call_us(one_pass, 40) / len(inputs)
    with_dict_us = per_call_us(one_pass_dict, 40) / len(inputs)
    return evaluate_us, with_dict_us


def bench_django() -> float | None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht.settings")
    os.environ.setdefault("DEBUG", "1")
    try:
        import django
        from django.test import Client
        from django.test.utils import setup_test_environment

        django.setup()
        setup_test_environment()
    except Exception as error:  # the settings may not exist yet in a fresh checkout
        print(f"Django part skipped: {error}")
        return None
    client = Client()
    response = client.get("/accounts/login/")
    if response.status_code != 200:
        print(f"Django part: GET /accounts/login/ answered {response.status_code}")
    return per_call_us(lambda: client.get("/accounts/login/"), REQUESTS // ROUNDS)


def main() -> None:
    evaluate_us, with_dict_us = bench_rules()
    request_us = bench_django()
    rows = [
        ("cases", f"{len(CASES)}"),
        ("evaluations / s", f"{1e6 / evaluate_us:,.0f}"),
        ("us per evaluate()", f"{evaluate_us:,.1f}"),
        ("us per evaluate().to_dict()", f"{with_dict_us:,.1f}"),
    ]
    if request_us is not None:
        rows += [
            ("us per bare request (GET /accounts/login/)", f"{request_us:,.1f}"),
            ("ratio evaluate / request (target < 0.2)", f"{evaluate_us / request_us:.3f}"),
            ("ratio evaluate+to_dict / request", f"{with_dict_us / request_us:.3f}"),
        ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")


if __name__ == "__main__":
    main()
