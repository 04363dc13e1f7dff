"""Start each existing clinic's identifier numbering where its patients' identifiers are.

Clinics got an identifier prefix and a next number (pht migration 0003_clinic_settings). For
a clinic that already has patients, the prefix most of its identifiers share ("DPC" for
DPC-1001 ... DPC-1014) becomes its prefix and the number after the highest the next one
(1015), so the first proposed identifier continues the clinic's own series. A clinic without
such identifiers keeps a blank prefix (identifiers 0001, 0002, ...) until an admin sets one.
Numbers already taken are skipped when a patient is registered, so a guess here can never
give two patients one identifier.
"""

import re
from collections import Counter

from django.db import migrations

NUMBERED = re.compile(r"^([A-Za-z]{1,10})-(\d{1,9})$")


def number(apps, schema_editor):
    Clinic = apps.get_model("pht", "Clinic")
    Patient = apps.get_model("assessments", "Patient")
    for clinic in Clinic.objects.filter(identifier_prefix=""):
        highest: dict[str, int] = {}
        counts: Counter[str] = Counter()
        identifiers = Patient.objects.filter(clinic_id=clinic.pk).values_list(
            "identifier", flat=True
        )
        for identifier in identifiers.iterator(chunk_size=5000):
            match = NUMBERED.match(identifier)
            if match:
                prefix = match[1].upper()
                counts[prefix] += 1
                highest[prefix] = max(highest.get(prefix, 0), int(match[2]))
        if counts:
            prefix = counts.most_common(1)[0][0]
            Clinic.objects.filter(pk=clinic.pk).update(
                identifier_prefix=prefix, next_identifier_number=highest[prefix] + 1
            )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_fill_patient_search_columns"),
        ("pht", "0003_clinic_settings"),
    ]

    operations = [migrations.RunPython(number, migrations.RunPython.noop, elidable=False)]
