"""Append-only, hash-chained audit tables, one chain per clinic.

The chained tables are the access log (``pht.AccessLog``), every django-simple-history table
(the change log, which gets the fields through ``ChainedHistoricalRecords``) and the anchors of
the chains' heads (``pht.ChainAnchor``, pht/anchors.py).

**One chain per clinic and table.** Every row stores its chain's key (``chain_key``: the pk of
the clinic it belongs to), the SHA-256 of its own content (``row_hash``) and the ``row_hash``
of the row before it in the same chain (``prev_hash``): the last row of the same table with
the same ``chain_key``, by pk (an index on ``(chain_key, pk)`` finds it). Each model says how
its rows find their clinic (``chain_by``, a lookup from the row): the access log and most
history tables by their own ``clinic``; a clinic's history by its ``id``; a plan's exercises
and stage changes through their plan (``plan__clinic``); an exercise's stages through the
exercise. Rows with no clinic — the shipped exercise library (``Exercise.clinic`` empty) and
its stages, and the anchors — go on the **shared chain**, whose key is the nil UUID
(``SHARED_CHAIN``, 00000000-0000-0000-0000-000000000000).

The key is part of the hashed content, so altering a row breaks its own hash, deleting or
inserting one breaks the link of the row after it in its chain, and moving a row to another
chain (changing its key) does both. ``python manage.py verify_audit`` walks every chain of every
table and reports the first broken link of each.

Rows are only ever inserted through ``save()`` (or ``append_all``): updating or deleting a
chained row raises ``AppendOnlyError``. Appends to one chain are serialised so two
transactions never link to the same predecessor:

- on PostgreSQL by an advisory lock per clinic, ``pg_advisory_xact_lock(namespace, clinic)``
  (the two-int form: a fixed namespace for this module and a 32-bit number from the clinic's
  pk), held to the end of the transaction. One lock per clinic for *all* its chained tables,
  not one per table: a transaction that appends to the change log and then the access log,
  beside one that appends in the other order, would otherwise deadlock. Clinics take
  different locks, so they never wait on each other (two clinics whose numbers collide, about
  one pair in four billion, share a lock: they queue, nothing else). A pk is taken from the
  sequence after the lock, so within a chain pks grow in commit order.
- on SQLite by the database's one write lock, which every transaction takes at its BEGIN
  (``transaction_mode`` IMMEDIATE in pht.settings), before the last row's hash is read: all
  clinics share it (SQLite has one writer at a time anyway).

**A transaction that appends to two clinics.** ``append_all`` takes every lock its rows need
at once, in ascending lock order. A transaction that appends to one clinic and later, in
another call, to another takes the second lock when it gets there; if a concurrent transaction
does the opposite, PostgreSQL's deadlock detector (after ``deadlock_timeout``, 1 s by default)
aborts one of them with an error: that transaction rolls back whole, the chains stay intact,
the other commits (tests/pht/test_audit_chain.py shows it). No request does this: every
service acts for the one clinic of its actor, and anchoring appends only to the shared chain
and takes no clinic's lock. Services take their row locks before they write, so no
transaction waits for a row while it holds a chain lock.

**What the chain cannot show on its own: removal of the newest rows** of a chain, which leaves
a shorter chain that is still whole. Anchoring (pht/anchors.py: ``manage.py anchor_audit``,
and the worker every ``AUDIT_ANCHOR_MINUTES``) copies every chain's head — last pk, row count,
head hash — into ``pht.ChainAnchor`` (itself append-only and chained) and prints or logs it;
``verify_audit`` then fails when a chain no longer reaches its latest anchor. Rows removed
after the last anchor, or removed together with the anchors that name them, are not detected:
keep the printed heads elsewhere too (a log shipped off the machine, a daily report).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from django.db import connections, models, router, transaction
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

GENESIS = "0" * 64
# The chain of rows that belong to no clinic: the shipped exercise library and the anchors.
SHARED_CHAIN = uuid.UUID(int=0)
_NOT_HASHED = {"prev_hash", "row_hash"}
_CHUNK = 2000


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

    Every stored field counts, the chain key (``chain_key``) included, so a row moved to
    another clinic's chain no longer matches its hash. Empty values (None and "") are left
    out, so that a column added later with an empty default leaves every older row's hash
    valid; filling or blanking a value still changes it.
    """
    content = {}
    for f in row._meta.concrete_fields:
        if f.name in _NOT_HASHED or f.primary_key:
            continue
        value = getattr(row, f.attname)
        if value is not None and value != "":
            content[f.attname] = _canonical(value)
    payload = json.dumps({"prev": prev_hash, "row": content}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _int32(value: int) -> int:
    """An unsigned 32-bit number as PostgreSQL's signed ``int``."""
    return value - (1 << 32) if value >= 1 << 31 else value


_LOCK_NAMESPACE = _int32(zlib.crc32(b"pht.chain: one lock per clinic"))


def lock_number(key: uuid.UUID) -> int:
    """The second half of a clinic's advisory lock (the first is ``_LOCK_NAMESPACE``)."""
    return _int32(zlib.crc32(key.bytes))


def _lock_chains(db: str, keys: Iterable[uuid.UUID]) -> None:
    # SQLite needs nothing here: the transaction began IMMEDIATE, so it already holds the
    # database's write lock (a DEFERRED one would fail with "database is locked" when it
    # turned from reading the last hash to writing while another connection wrote).
    connection = connections[db]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for number in sorted({lock_number(key) for key in keys}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, number])


def _as_key(value: Any) -> uuid.UUID:
    if value is None or value == "":
        return SHARED_CHAIN
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def chain_key_of(row: models.Model, path: str | None = None, cache: dict | None = None):
    """The chain a row belongs to: its clinic's pk, found by ``path`` (by default the model's
    ``chain_by``), or ``SHARED_CHAIN`` when it has none. ``cache`` keeps the lookups through
    a parent (``plan__clinic``) of one bulk append."""
    path = type(row).chain_by if path is None else path  # type: ignore[attr-defined]
    if not path:
        return SHARED_CHAIN
    first, _, rest = path.partition("__")
    own = row._meta.get_field(first)
    value = getattr(row, own.attname)
    if rest and value is not None:
        memo = {} if cache is None else cache
        if (path, value) not in memo:
            parents = own.related_model._default_manager  # type: ignore[union-attr]
            memo[(path, value)] = parents.filter(pk=value).values_list(rest, flat=True).first()
        value = memo[(path, value)]
    return _as_key(value)


def _last_hash(model: type[models.Model], db: str, key: uuid.UUID) -> str:
    rows = model._default_manager.db_manager(db).filter(chain_key=key)
    return rows.order_by("-pk").values_list("row_hash", flat=True).first() or GENESIS


class HashChained(models.Model):
    chain_key = models.UUIDField(default=SHARED_CHAIN, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False, default="")
    row_hash = models.CharField(max_length=64, editable=False, default="")

    # How a row finds its clinic: a lookup from the row ("clinic", "plan__clinic"), or "" for
    # the shared chain. Each model sets it; ChainedHistoricalRecords(chain_by=...) for history.
    chain_by: ClassVar[str] = "clinic"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows are append-only.")
        model = type(self)
        db = kwargs.get("using") or router.db_for_write(model, instance=self)
        self.chain_key = chain_key_of(self)
        with transaction.atomic(using=db):
            _lock_chains(db, [self.chain_key])
            self.prev_hash = _last_hash(model, db, self.chain_key)
            self.row_hash = row_digest(self, self.prev_hash)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows are append-only.")


def append_all(model: type[HashChained], rows: list, *, batch_size: int = 1000) -> list:
    """Append many new rows to one chained table at once, in list order: what ``save()`` does
    row by row (the same locks, links and hashes), with one INSERT per batch. Rows of several
    clinics are linked each into its own chain, under all their locks taken in order.

    For bulk writers such as the patient import. The rows' values must be final before the
    call (hashes are computed first): no ``auto_now`` fields, which the INSERT would change.
    """
    db = router.db_for_write(model)
    cache: dict = {}
    keys = [chain_key_of(row, cache=cache) for row in rows]
    with transaction.atomic(using=db):
        _lock_chains(db, keys)
        prev = {key: _last_hash(model, db, key) for key in set(keys)}
        for row, key in zip(rows, keys, strict=True):
            row.chain_key = key
            row.prev_hash = prev[key]
            row.row_hash = prev[key] = row_digest(row, prev[key])
        return model._default_manager.db_manager(db).bulk_create(rows, batch_size=batch_size)


class _ChainedHistory(HistoricalRecords):
    """A history table that is a HashChained model, with its ``chain_by`` and an index on
    ``(chain_key, history_id)`` (each row's predecessor is looked up through it)."""

    def __init__(self, *, chain_by: str = "clinic", **kwargs):
        super().__init__(bases=[HashChained], **kwargs)
        self.chain_by = chain_by

    def get_extra_fields(self, model, fields):
        extra = super().get_extra_fields(model, fields)
        extra["chain_by"] = self.chain_by
        return extra

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        chain_index = models.Index(fields=["chain_key", "history_id"])
        meta["indexes"] = (*meta.get("indexes", ()), chain_index)
        return meta


def ChainedHistoricalRecords(  # noqa: N802 (reads like a field)
    *, chain_by: str = "clinic", **kwargs
) -> HistoricalRecords:
    """``HistoricalRecords`` whose history table is hash-chained, per clinic, append-only.

    ``chain_by`` finds a history row's clinic from its fields: ``"clinic"`` (the default),
    ``"id"`` for the clinic itself, ``"plan__clinic"`` through a parent; a row whose lookup
    is empty goes on the shared chain."""
    return _ChainedHistory(chain_by=chain_by, **kwargs)


def chained_models() -> list[type[models.Model]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, HashChained)]


class Anchor(NamedTuple):
    """A chain's head as it was written down: its last row's pk, how many rows it had up to
    that row, and that row's hash."""

    last_pk: int
    rows: int
    head_hash: str


@dataclass
class ChainReport:
    """One chain of one table, as ``verify_chains`` found it."""

    table: str
    chain_key: uuid.UUID
    rows: int = 0
    head: str = GENESIS
    head_pk: int | None = None
    problems: list[str] = field(default_factory=list)
    anchor: Anchor | None = None


def _chain_name(key: uuid.UUID) -> str:
    return "shared chain" if key == SHARED_CHAIN else f"chain {key}"


def _check_row(report: ChainReport, row, expected_prev: str) -> None:
    where = f"{report.table} {_chain_name(report.chain_key)} row {row.pk}"
    if row.prev_hash != expected_prev:
        report.problems.append(
            f"{where}: link broken (a row before it was removed, inserted, altered or moved "
            "between chains)"
        )
    if row_digest(row, row.prev_hash) != row.row_hash:
        report.problems.append(f"{where}: content altered after it was written")
    anchor = report.anchor
    if anchor is not None and row.pk == anchor.last_pk:
        if row.row_hash != anchor.head_hash:
            report.problems.append(f"{where}: differs from its anchored hash")
        if report.rows != anchor.rows:
            report.problems.append(
                f"{where}: {report.rows} rows up to the anchored row, {anchor.rows} when anchored"
            )


def _missing_anchor(report: ChainReport, seen_anchor: bool) -> None:
    anchor = report.anchor
    if anchor is not None and not seen_anchor:
        report.problems.append(
            f"{report.table} {_chain_name(report.chain_key)}: the anchored row {anchor.last_pk} "
            f"is missing (anchored with {anchor.rows} rows; {report.rows} now, head row "
            f"{report.head_pk}): the newest rows were removed, or the chain was rewritten"
        )


def verify_chains(
    model: type[models.Model],
    anchors: dict[uuid.UUID, Anchor] | None = None,
    *,
    chunk_size: int = _CHUNK,
) -> list[ChainReport]:
    """Walk every chain of one table, each in insertion order (by ``(chain_key, pk)``).

    ``anchors`` (a chain key's latest anchor) adds: the anchored row must still be in its
    chain with the anchored hash and as many rows up to it. A chain that has an anchor but no
    row left is reported too."""
    anchors = anchors or {}
    label = model._meta.label
    reports: list[ChainReport] = []
    report: ChainReport | None = None
    seen_anchor = False
    rows = model._default_manager.order_by("chain_key", "pk")
    for row in rows.iterator(chunk_size=chunk_size):
        if report is None or row.chain_key != report.chain_key:
            if report is not None:
                _missing_anchor(report, seen_anchor)
            report = ChainReport(label, row.chain_key, anchor=anchors.get(row.chain_key))
            reports.append(report)
            seen_anchor = False
        report.rows += 1
        _check_row(report, row, report.head)
        seen_anchor = seen_anchor or (report.anchor is not None and row.pk == report.anchor.last_pk)
        report.head, report.head_pk = row.row_hash, row.pk
    if report is not None:
        _missing_anchor(report, seen_anchor)
    for key in sorted(set(anchors) - {r.chain_key for r in reports}, key=str):
        empty = ChainReport(label, key, anchor=anchors[key])
        _missing_anchor(empty, False)
        reports.append(empty)
    return reports


def verify(model: type[models.Model], *, chunk_size: int = _CHUNK):
    """Every chain of one table, summed: (rows checked, problems, {chain key: head hash})."""
    reports = verify_chains(model, chunk_size=chunk_size)
    problems = [p for r in reports for p in r.problems]
    return sum(r.rows for r in reports), problems, {r.chain_key: r.head for r in reports}


class Head(NamedTuple):
    """A chain's current head: its key, last row's pk, row count and last row's hash."""

    chain_key: uuid.UUID
    last_pk: int
    rows: int
    head_hash: str


def heads(model: type[models.Model]) -> list[Head]:
    """The head of every chain of one table (committed rows; one statement, one snapshot)."""
    found = (
        model._default_manager.order_by()
        .values("chain_key")
        .annotate(last=models.Max("pk"), count=models.Count("pk"))
    )
    found = list(found)
    hashes = dict(
        model._default_manager.filter(pk__in=[h["last"] for h in found]).values_list(
            "pk", "row_hash"
        )
    )
    return sorted(
        (Head(h["chain_key"], h["last"], h["count"], hashes[h["last"]]) for h in found),
        key=lambda h: str(h.chain_key),
    )


# Migrations: filling the chain keys of existing rows and sealing them, per chain.


def _has_chain_key(model: type[models.Model]) -> bool:
    return any(f.name == "chain_key" for f in model._meta.concrete_fields)


def _write_hashes(model: type[models.Model], rows: list) -> None:
    """Store the rows' new links. PostgreSQL: one UPDATE ... FROM (VALUES ...) per chunk (one
    round trip; ``bulk_update``'s CASE expressions cost 30 times more). SQLite, in process:
    one prepared UPDATE run for every row."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    prev_hash, row_hash = quote("prev_hash"), quote("row_hash")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s, %s, %s)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} SET {prev_hash} = v.prev, {row_hash} = v.row "
                f"FROM (VALUES {values}) AS v (pk, prev, row) WHERE {table}.{pk} = v.pk",
                [value for row in rows for value in (row.pk, row.prev_hash, row.row_hash)],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {prev_hash} = %s, {row_hash} = %s WHERE {pk} = %s",
                [(row.prev_hash, row.row_hash, row.pk) for row in rows],
            )


def _seal_chain(model: type[models.Model], rows: models.QuerySet, chunk_size: int) -> int:
    """Link one chain's rows in pk order, a chunk at a time (each chunk read whole before it
    is written, so no cursor is open on the table while it changes)."""
    prev, count, after = GENESIS, 0, None
    while True:
        page = rows if after is None else rows.filter(pk__gt=after)
        chunk = list(page.order_by("pk")[:chunk_size])
        if not chunk:
            return count
        for row in chunk:
            row.prev_hash = prev
            row.row_hash = prev = row_digest(row, prev)
        _write_hashes(model, chunk)
        count, after = count + len(chunk), chunk[-1].pk


def seal_existing(model: type[models.Model], *, chunk_size: int = _CHUNK) -> int:
    """Chain rows written before the table was chained, or whose hashes changed meaning (used
    by the migrations): each chain on its own when the table has chain keys (fill them first,
    ``fill_chain_keys``), else the whole table as one chain (the tables' state before
    per-clinic chains). Returns rows."""
    manager = model._default_manager
    if not _has_chain_key(model):
        return _seal_chain(model, manager.all(), chunk_size)
    keys = manager.order_by("chain_key").values_list("chain_key", flat=True).distinct()
    return sum(_seal_chain(model, manager.filter(chain_key=key), chunk_size) for key in list(keys))


def _key_expression(model: type[models.Model], path: str):
    """``chain_key_of`` as one SQL expression, for a bulk UPDATE of existing rows."""
    output = models.UUIDField()
    shared = models.Value(SHARED_CHAIN, output_field=output)
    if not path:
        return shared
    first, _, rest = path.partition("__")
    own = model._meta.get_field(first)
    if not rest:
        return Coalesce(models.F(own.attname), shared, output_field=output)
    parents = own.related_model._default_manager  # type: ignore[union-attr]
    parent = parents.filter(pk=models.OuterRef(own.attname)).values(rest)[:1]
    return Coalesce(models.Subquery(parent, output_field=output), shared, output_field=output)


def fill_chain_keys(model: type[models.Model], path: str) -> int:
    """Set every existing row's chain key from ``path`` (as ``chain_by``), in one UPDATE."""
    return model._default_manager.update(chain_key=_key_expression(model, path))


def sealing_migration(*labels: str):
    """A RunPython callable that seals the given models' existing rows, in migrations."""

    def forwards(apps, schema_editor):
        for label in labels:
            seal_existing(apps.get_model(label))

    return forwards


def chain_key_migration(paths: dict[str, str]):
    """A RunPython callable that fills the chain key of the given models' existing rows, in
    migrations (``{"app.Model": chain_by}``); seal them after (``sealing_migration``)."""

    def forwards(apps, schema_editor):
        for label, path in paths.items():
            fill_chain_keys(apps.get_model(label), path)

    return forwards
