"""Per-clinic audit chains (pht.chain): every chained row gets its chain key (its clinic's pk,
or the shared chain), filled from the row's own fields; then each chain is sealed again (the
key is part of every row's hash, and each row now links to the one before it in its clinic's
chain). The (chain key, pk) indexes are built after the keys are filled, before sealing,
which reads each chain through them. Unapplying seals each table as one chain again.
"""

import django.utils.timezone
import uuid
from django.db import migrations, models

from pht.chain import chain_key_migration, sealing_migration


CHAINED = {
    "pht.AccessLog": "clinic",
    "pht.HistoricalClinic": "id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("pht", "0007_user_sessions_ended_at"),
    ]

    operations = [
        # Run last when unapplying, once the chain keys are gone: one chain per table.
        migrations.RunPython(migrations.RunPython.noop, sealing_migration(*CHAINED)),
        migrations.CreateModel(
            name="ChainAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "chain_key",
                    models.UUIDField(
                        default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
                    ),
                ),
                ("prev_hash", models.CharField(default="", editable=False, max_length=64)),
                ("row_hash", models.CharField(default="", editable=False, max_length=64)),
                ("at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("table", models.CharField(max_length=100)),
                ("chain", models.UUIDField()),
                ("last_pk", models.BigIntegerField()),
                ("rows", models.BigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="accesslog",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.AddField(
            model_name="historicalclinic",
            name="chain_key",
            field=models.UUIDField(
                default=uuid.UUID("00000000-0000-0000-0000-000000000000"), editable=False
            ),
        ),
        migrations.RunPython(chain_key_migration(CHAINED), migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="accesslog",
            index=models.Index(fields=["chain_key", "id"], name="accesslog_chain"),
        ),
        migrations.AddIndex(
            model_name="historicalclinic",
            index=models.Index(
                fields=["chain_key", "history_id"], name="pht_histori_chain_k_dee9a7_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="chainanchor",
            index=models.Index(fields=["chain_key", "id"], name="chainanchor_chain"),
        ),
        migrations.AddIndex(
            model_name="chainanchor",
            index=models.Index(fields=["table", "chain", "-id"], name="chainanchor_latest"),
        ),
        migrations.RunPython(sealing_migration(*CHAINED), migrations.RunPython.noop),
    ]
