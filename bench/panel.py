"""Benchmark: the live reasoning panel endpoint, in process, against a bare Django request.

Run: ``make bench-panel`` or ``DEBUG=1 .venv/bin/python bench/panel.py`` (never a test).
It builds a throw-away in-memory SQLite database, a clinic, a clinician and a patient, then
times ``POST /patients/<uuid>/assessments/panel/`` (a realistic, fully recorded form) and
``GET /accounts/login/`` through Django's test client in the same process, and prints the
median and p95 of each and their ratio. Figures are per request on this machine.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

REQUESTS = 400

FORM = {
    "assessed_on": "2026-11-20",
    "side": "left",
    "onset": "gradual",
    "duration_weeks": "10",
    "recent_training_load_change": "yes",
    "previous_episodes": "no",
    "pain_location": ["ischial_tuberosity", "deep_buttock"],
    "pain_nprs_now": "3",
    "pain_nprs_worst": "6",
    "pain_with_sitting": "yes",
    "sitting_tolerance_min": "25",
    "night_pain": "no",
    "pain_worse_after_activity": "yes",
    "fever": "no",
    "saddle_anaesthesia": "no",
    "puranen_orava": "positive",
    "puranen_orava_pain": "5",
    "bent_knee_stretch": "negative",
    "modified_bent_knee_stretch": "positive",
    "modified_bent_knee_stretch_pain": "6",
    "tenderness_ischial_tuberosity": "yes",
    "slr_positive": "no",
}


def timed(fn, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = fn()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    import datetime

    from assessments.models import Patient
    from pht.models import Clinic, Membership, User

    clinic = Clinic.objects.create(name="Bench Clinic")
    user = User.objects.create_user("bench", password="bench-password-2026")
    Membership.objects.create(user=user, clinic=clinic, role="clinician")
    patient = Patient.objects.create(
        clinic=clinic,
        identifier="B-1",
        given_name="Bench",
        family_name="Patient",
        date_of_birth=datetime.date(1984, 3, 1),
        sex="female",
    )
    anonymous, client = Client(), Client()
    client.force_login(user)
    url = f"/patients/{patient.pk}/assessments/panel/"

    def bare():
        return anonymous.get("/accounts/login/")

    def panel():
        return client.post(url, FORM, HTTP_HX_REQUEST="true")

    timed(bare, 50), timed(panel, 50)  # warm up
    bare_p50, bare_p95 = timed(bare, REQUESTS)
    panel_p50, panel_p95 = timed(panel, REQUESTS)
    print(f"{'in-process, ' + str(REQUESTS) + ' requests each':<40}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'bare request (GET /accounts/login/)':<40}{bare_p50:>10.2f}{bare_p95:>10.2f}")
    print(f"{'live panel (POST .../assessments/panel/)':<40}{panel_p50:>10.2f}{panel_p95:>10.2f}")
    print(f"{'ratio panel / bare (p50)':<40}{panel_p50 / bare_p50:>10.2f}")


if __name__ == "__main__":
    main()
