"""Per-clinic audit chains (pht.chain): every chained row gets its chain key (its clinic's pk,
or the shared chain), filled from the row's own fields; then each chain is sealed again (the
key is part of every row's hash, and each row now links to the one before it in its clinic's
chain). The (chain key, pk) indexes are built after the keys are filled, before sealing,
which reads each chain through them. Unapplying seals each table as one chain again.
"""

import uuid
from django.conf import settings
from django.db import migrations, models

from pht.chain import chain_key_migration, sealing_migration


CHAINED = {
    "assessments.HistoricalPatient": "clinic",
    "assessments.HistoricalNotDuplicate": "clinic",
    "assessments.HistoricalAssessment": "clinic",
    "assessments.HistoricalVisaHResponse": "clinic",
}


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0014_merge_patient_merge_and_import"),
        ("pht", "0008_per_clinic_audit_chains"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Run last when unapplying, once the chain keys are gone: one chain per table.
        migrations.RunPython(migrations.RunPython.noop, sealing_migration(*CHAINED)),
        migrations.AddField(
            model_name="historicalassessment",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalnotduplicate",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalpatient",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalvisahresponse",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.RunPython(chain_key_migration(CHAINED), migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="historicalassessment",
            index=models.Index(
                fields=["chain_key", "history_id"], name="assessments_chain_k_410112_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalnotduplicate",
            index=models.Index(
                fields=["chain_key", "history_id"], name="assessments_chain_k_805d4e_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalpatient",
            index=models.Index(
                fields=["chain_key", "history_id"], name="assessments_chain_k_8f7d5e_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalvisahresponse",
            index=models.Index(
                fields=["chain_key", "history_id"], name="assessments_chain_k_3cab9f_idx"
            ),
        ),
        migrations.RunPython(sealing_migration(*CHAINED), migrations.RunPython.noop),
    ]
