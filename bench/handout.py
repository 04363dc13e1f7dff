"""Time the patient handout PDF (WeasyPrint), in-process, against a bare Django request.

    DEBUG=1 .venv/bin/python bench/handout.py [--renders N]

Builds a throwaway test database (the same way the test runner does), creates a clinic,
a signed assessment and a stage-1 plan through the services, then prints the median time
of N GETs of /rehab/plans/<uuid>/handout.pdf, of the HTML print view, and of a bare
request (the login page, anonymous), and the ratio PDF / bare. Not a test; never run by
pytest.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht.settings")
os.environ.setdefault("DEBUG", "1")


def median_ms(call, renders: int) -> float:
    call()  # warm-up: template loading, font discovery
    times = []
    for _ in range(renders):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=15, help="timed renders (default 15)")
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from pht.models import Membership
        from tests.factories import (
            ClinicFactory,
            MembershipFactory,
            PatientFactory,
            UserFactory,
            make_assessment,
            make_plan,
        )

        clinic = ClinicFactory(name="Bench Clinic")
        user = UserFactory(username="bench")
        MembershipFactory(user=user, clinic=clinic, role=Membership.Role.CLINICIAN)
        patient = PatientFactory(clinic=clinic)
        plan = make_plan(
            assessment=make_assessment(patient=patient, user=user, sign=True), user=user
        )
        client = Client()
        client.force_login(user)
        anonymous = Client()
        pdf_url = reverse("rehab:handout_pdf", args=[plan.pk])
        html_url = reverse("rehab:handout", args=[plan.pk])
        login_url = reverse("login")

        def get(c, url):
            def call():
                response = c.get(url)
                assert response.status_code == 200, (url, response.status_code)

            return call

        pdf = median_ms(get(client, pdf_url), args.renders)
        html = median_ms(get(client, html_url), args.renders)
        bare = median_ms(get(anonymous, login_url), args.renders)
        exercises = plan.items.count()
        print(f"handout PDF ({exercises} exercises), median of {args.renders}: {pdf:.1f} ms")
        print(f"handout print view (HTML), median of {args.renders}: {html:.1f} ms")
        print(f"bare request (login page), median of {args.renders}: {bare:.1f} ms")
        print(f"ratio PDF / bare request: {pdf / bare:.0f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
