"""Append-only, hash-chained audit tables.

Every row of a chained table stores the SHA-256 of its own content (``row_hash``) and the
``row_hash`` of the row before it in the same table (``prev_hash``). Altering a stored row
breaks its own hash; deleting or inserting one breaks the link of the row after it.
``python manage.py verify_audit`` walks every chain and reports the first broken link of each.

The chained tables are the access log (``pht.AccessLog``) and every django-simple-history
table (the change log), which get the fields through ``ChainedHistoricalRecords``.

Rows are only ever inserted through ``save()``: updating or deleting a chained row raises
``AppendOnlyError``. Appends are serialised so two requests never link to the same
predecessor: on PostgreSQL by one advisory lock for every chained table, held to the end of
the transaction (one lock, not one per table: a transaction that appends to the change log
and then the access log, beside one that appends in the other order, would otherwise
deadlock); on SQLite by the database's one write lock, which every transaction takes at its
BEGIN (``transaction_mode`` IMMEDIATE in pht.settings), before the last row's hash is read.
Services take their row locks before they write, so no transaction waits for a row while it
holds the chain lock.

What the chain cannot show on its own: removal of the newest rows. ``verify_audit`` prints
each chain's head hash so an operator can anchor it elsewhere (e.g. in a daily report).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
import zlib

from django.db import connection, models, transaction
from simple_history.models import HistoricalRecords

GENESIS = "0" * 64
_NOT_HASHED = {"prev_hash", "row_hash"}


class AppendOnlyError(Exception):
    """Audit rows are never changed or removed."""


def _canonical(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def row_digest(row: models.Model, prev_hash: str) -> str:
    """SHA-256 over the row's stored field values (by column) and its predecessor's hash.

    Empty values (None and "") are left out, so that a column added later with an empty
    default leaves every older row's hash valid; filling or blanking a value still changes it.
    """
    content = {}
    for field in row._meta.concrete_fields:
        if field.name in _NOT_HASHED or field.primary_key:
            continue
        value = getattr(row, field.attname)
        if value is not None and value != "":
            content[field.attname] = _canonical(value)
    payload = json.dumps({"prev": prev_hash, "row": content}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


_CHAIN_LOCK = zlib.crc32(b"pht.chain: every chained table")


def _lock_chain() -> None:
    # SQLite needs nothing here: the transaction began IMMEDIATE, so it already holds the
    # database's write lock (a DEFERRED one would fail with "database is locked" when it
    # turned from reading the last hash to writing while another connection wrote).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


class HashChained(models.Model):
    prev_hash = models.CharField(max_length=64, editable=False, default="")
    row_hash = models.CharField(max_length=64, editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows are append-only.")
        model = type(self)
        with transaction.atomic(using=kwargs.get("using")):
            _lock_chain()
            last = model._default_manager.order_by("-pk").values_list("row_hash", flat=True).first()
            self.prev_hash = last or GENESIS
            self.row_hash = row_digest(self, self.prev_hash)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows are append-only.")


def append_all(model: type[HashChained], rows: list, *, batch_size: int = 1000) -> list:
    """Append many new rows to one chained table at once, in list order: what ``save()`` does
    row by row (the same lock, the same links and hashes), with one INSERT per batch.

    For bulk writers such as the patient import. The rows' values must be final before the
    call (hashes are computed first): no ``auto_now`` fields, which the INSERT would change.
    """
    with transaction.atomic():
        _lock_chain()
        last = model._default_manager.order_by("-pk").values_list("row_hash", flat=True).first()
        prev = last or GENESIS
        for row in rows:
            row.prev_hash = prev
            row.row_hash = prev = row_digest(row, prev)
        return model._default_manager.bulk_create(rows, batch_size=batch_size)


def ChainedHistoricalRecords(**kwargs) -> HistoricalRecords:  # noqa: N802 (reads like a field)
    """``HistoricalRecords`` whose history table is hash-chained and append-only."""
    return HistoricalRecords(bases=[HashChained], **kwargs)


def chained_models() -> list[type[models.Model]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, HashChained)]


def verify(model: type[models.Model], *, chunk_size: int = 2000) -> tuple[int, list[str], str]:
    """Walk one chain in insertion order. Returns (rows checked, problems, head hash)."""
    problems: list[str] = []
    expected_prev = GENESIS
    count = 0
    for row in model._default_manager.order_by("pk").iterator(chunk_size=chunk_size):
        count += 1
        if row.prev_hash != expected_prev:
            problems.append(
                f"{model._meta.label} row {row.pk}: link broken (a row before it was removed, "
                "inserted or altered)"
            )
        if row_digest(row, row.prev_hash) != row.row_hash:
            problems.append(
                f"{model._meta.label} row {row.pk}: content altered after it was written"
            )
        expected_prev = row.row_hash
    return count, problems, expected_prev


def seal_existing(model: type[models.Model]) -> int:
    """Chain rows written before the table was chained (used by the migrations). Returns rows."""
    prev = GENESIS
    count = 0
    for row in model._default_manager.order_by("pk").iterator(chunk_size=2000):
        row_hash = row_digest(row, prev)
        model._default_manager.filter(pk=row.pk).update(prev_hash=prev, row_hash=row_hash)
        prev, count = row_hash, count + 1
    return count


def sealing_migration(*labels: str):
    """A RunPython callable that seals the given models' existing rows, in migrations."""

    def forwards(apps, schema_editor):
        for label in labels:
            seal_existing(apps.get_model(label))

    return forwards
