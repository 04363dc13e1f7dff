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
    "rehab.HistoricalExercise": "clinic",
    "rehab.HistoricalExerciseStage": "exercise__clinic",
    "rehab.HistoricalRehabPlan": "clinic",
    "rehab.HistoricalPlanExercise": "plan__clinic",
    "rehab.HistoricalProgressReview": "clinic",
    "rehab.HistoricalStageChange": "plan__clinic",
}


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0015_per_clinic_audit_chains"),
        ("pht", "0008_per_clinic_audit_chains"),
        ("rehab", "0006_review_visa_h_and_next_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Run last when unapplying, once the chain keys are gone: one chain per table.
        migrations.RunPython(migrations.RunPython.noop, sealing_migration(*CHAINED)),
        migrations.AddField(
            model_name="historicalexercise",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalexercisestage",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalplanexercise",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalprogressreview",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalrehabplan",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalstagechange",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.RunPython(chain_key_migration(CHAINED), migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="historicalexercise",
            index=models.Index(
                fields=["chain_key", "history_id"], name="rehab_histo_chain_k_f3c092_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalexercisestage",
            index=models.Index(
                fields=["chain_key", "history_id"], name="rehab_histo_chain_k_1c853b_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalplanexercise",
            index=models.Index(
                fields=["chain_key", "history_id"], name="rehab_histo_chain_k_cde0fa_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalprogressreview",
            index=models.Index(
                fields=["chain_key", "history_id"], name="rehab_histo_chain_k_f167a8_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalrehabplan",
            index=models.Index(
                fields=["chain_key", "history_id"], name="rehab_histo_chain_k_7372c0_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicalstagechange",
            index=models.Index(
                fields=["chain_key", "history_id"], name="rehab_histo_chain_k_c58085_idx"
            ),
        ),
        migrations.RunPython(sealing_migration(*CHAINED), migrations.RunPython.noop),
    ]
