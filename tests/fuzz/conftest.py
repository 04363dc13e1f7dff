"""Fuzzing: one deterministic hypothesis profile, and the checks every form property shares.

Examples are derandomised (the same inputs on every run and in CI); no example database is
written. Each form test sets its own ``max_examples``; the whole suite runs in well under a
minute on SQLite.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fuzz",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ = settings.get_profile("fuzz")
