"""Anchoring the audit chains' heads, and checking every chain against its latest anchor.

A hash chain shows a row altered, removed or inserted in its middle, but not its newest rows
removed: what is left is a shorter chain that is still whole (pht/chain.py). ``anchor_heads``
writes the head of every chain of every chained table — its last row's pk, its row count and
that row's hash — to ``pht.ChainAnchor`` (append-only and itself chained, on the shared chain)
and returns the heads; a chain whose head has not moved since its latest anchor is not
written again, so anchoring twice with no change adds nothing. ``verify`` then fails when a
chain no longer reaches its latest anchor.

Anchors are taken by ``manage.py anchor_audit`` (which prints the heads) and by the task worker
every ``AUDIT_ANCHOR_MINUTES`` (``anchor_audit_heads``, which logs them): rows removed after
the latest anchor are not detected, nor rows removed together with the anchors that name
them, so keep the printed or logged heads somewhere else too.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pht import chain
from pht.models import ChainAnchor, Clinic

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnchoredHead:
    """One chain's head at anchoring: ``anchored`` is False when it had not moved since its
    latest anchor (nothing written for it)."""

    table: str
    chain_key: uuid.UUID
    last_pk: int
    rows: int
    head_hash: str
    anchored: bool


def latest_anchors() -> dict[str, dict[uuid.UUID, chain.Anchor]]:
    """The latest anchor of every chain: ``{table label: {chain key: anchor}}``."""
    latest = ChainAnchor.objects.values("table", "chain").annotate(last=models.Max("id"))
    found: dict[str, dict[uuid.UUID, chain.Anchor]] = {}
    rows = ChainAnchor.objects.filter(id__in=[a["last"] for a in latest.order_by()])
    for anchor in rows.iterator():
        found.setdefault(anchor.table, {})[anchor.chain] = chain.Anchor(
            anchor.last_pk, anchor.rows, anchor.head_hash
        )
    return found


def anchor_heads() -> list[AnchoredHead]:
    """Write the head of every chain that moved since its latest anchor; return every head.

    The anchors' own chain is not anchored (an anchor cannot name the row it is written in):
    it is walked and checked by ``verify_audit`` like every other chain."""
    before = latest_anchors()
    now = timezone.now()
    out, new = [], []
    for model in chain.chained_models():
        if model is ChainAnchor:
            continue
        label = model._meta.label
        for head in chain.heads(model):
            anchor = chain.Anchor(head.last_pk, head.rows, head.head_hash)
            moved = before.get(label, {}).get(head.chain_key) != anchor
            out.append(AnchoredHead(label, head.chain_key, *anchor, anchored=moved))
            if moved:
                new.append(
                    ChainAnchor(
                        at=now,
                        table=label,
                        chain=head.chain_key,
                        last_pk=head.last_pk,
                        rows=head.rows,
                        head_hash=head.head_hash,
                    )
                )
    chain.append_all(ChainAnchor, new)
    return out


def chain_names(keys) -> dict[uuid.UUID, str]:
    """A readable name for each chain key: its clinic's name, or "shared chain"."""
    names = {chain.SHARED_CHAIN: "shared chain"}
    clinics = Clinic.objects.filter(pk__in=[k for k in keys if k != chain.SHARED_CHAIN])
    names.update({pk: f"clinic {name}" for pk, name in clinics.values_list("pk", "name")})
    return {key: names.get(key, f"chain {key} (no such clinic)") for key in keys}


def verify() -> list[chain.ChainReport]:
    """Every chain of every chained table, walked and checked against its latest anchor.

    The anchors are read first: an anchor written during the walk names rows the walk sees."""
    anchors = latest_anchors()
    reports = []
    for model in chain.chained_models():
        reports.extend(chain.verify_chains(model, anchors.get(model._meta.label, {})))
    return reports


# The schedule: the task worker (``manage.py run_worker``) queues ``anchor_audit_heads`` when it
# starts, and each run queues the next one AUDIT_ANCHOR_MINUTES later.


def _waiting() -> bool:
    return DBTaskResult.objects.filter(
        status="READY", task_path=anchor_audit_heads.module_path
    ).exists()


def schedule_anchoring(*, after: datetime.timedelta | None = None) -> bool:
    """Queue the next anchoring (now, or ``after`` from now) unless one is already waiting or
    ``AUDIT_ANCHOR_MINUTES`` is 0. True when queued. Needs a backend that runs tasks later
    (the database one): with another, anchor from cron (``manage.py anchor_audit``)."""
    if not settings.AUDIT_ANCHOR_MINUTES or not anchor_audit_heads.get_backend().supports_defer:
        return False
    if _waiting():
        return False
    anchor_audit_heads.using(run_after=timezone.now() + (after or datetime.timedelta())).enqueue()
    return True


@task()
def anchor_audit_heads() -> int:
    """The periodic task: anchor every chain's head, log each one, queue the next run.
    Returns the number of anchors written."""
    try:
        heads = anchor_heads()
    finally:  # a failed run does not end the schedule
        schedule_anchoring(after=datetime.timedelta(minutes=settings.AUDIT_ANCHOR_MINUTES))
    for head in heads:
        if head.anchored:
            logger.info(
                "audit anchor %s %s row %s rows %s head %s",
                head.table,
                head.chain_key,
                head.last_pk,
                head.rows,
                head.head_hash,
            )
    return sum(head.anchored for head in heads)
