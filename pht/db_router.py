"""Read replicas: which database each query goes to (``DATABASE_ROUTERS``; docs/replicas.md).

Everything uses the primary ("default"): every write, every migration, and every read, unless
the code runs inside :func:`replica_reads`, the decorator of the read-only pages (lists,
search, the dashboard, exports). Inside it, reads go to one healthy replica, picked at random
for the request and kept for it, except when

- the signed-in user changed something in the last ``READ_YOUR_WRITES_SECONDS`` (a POST, PUT,
  PATCH or DELETE, noted by ``pht.middleware.ReadYourWrites`` in a signed cookie and, with
  ``REDIS_URL``, in the shared cache: every app server sees it), so they see what they saved;
- the code runs inside an atomic block on the primary (the audit chain reads its last row
  there, under its lock), or something was already written to the primary in this request
  (the access-log row of an export): the rest of the request reads what it wrote;
- no replica is healthy. A replica is healthy when it answers, is a standby whose WAL
  receiver runs, and its lag (:func:`standby_lag`: 0 when it has replayed everything it
  received, else the age of the last replayed transaction) is within
  ``DATABASE_REPLICA_MAX_LAG_SECONDS``; each process checks at most every
  ``DATABASE_REPLICA_CHECK_SECONDS`` and skips a replica that is down until the next check.

Who may see what (the active membership and role) is always read from the primary before the
view runs, so a deactivated membership or a changed role counts at once.

A replica lost in the middle of a request does not lose the request: when a view fails with a
connection-level error of its replica and nothing was written to the primary yet, the replica
is marked down and the view runs again, on the primary. Nothing written means nothing can be
written twice: the routed views read first and write their access-log row last, and once a
write is under way every later read of the request goes to the primary, so a replica error
cannot come after it (if one did, the error is raised, not retried).

Streaming responses run after the view has returned, outside the scope: the CSV exports read
from the primary (docs/replicas.md says why).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

from pht import access

logger = logging.getLogger(__name__)

DEFAULT = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Statements on the primary that do not change data (the first word).
NOT_WRITES = frozenset(
    {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "SHOW", "EXPLAIN"}
)

# What a standby says about itself: whether it is one (a server not in recovery is not a
# standby of the primary: a promoted one has its own history), what it has received and
# replayed, the age of the last transaction it replayed, and whether its WAL receiver runs
# (without one it is cut off from the primary and gets no newer data).
STANDBY_SQL = (
    "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,"
    " EXISTS (SELECT 1 FROM pg_stat_wal_receiver)"
)
REPLAYED_SQL = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
# A standby found applying what it received is given this long to finish: right after a
# write on an otherwise quiet primary, the age of the last replayed transaction is the time
# since the write before it (seconds or minutes), not a lag.
CATCH_UP_SECONDS = 0.2
CATCH_UP_POLL = 0.02

_clock = time.monotonic  # replaced by the tests
_sleep = time.sleep


def standby_lag(cursor) -> float | None:
    """The lag of the standby ``cursor`` is connected to, in seconds; None when it is not a
    standby, or its lag cannot be known (it never replayed a transaction).

    0 when it has replayed everything it received; when it is applying what it received,
    the moment it took to finish (up to CATCH_UP_SECONDS), else the age of the last
    transaction it replayed; with its WAL receiver stopped, that age.
    """
    cursor.execute(STANDBY_SQL)
    in_recovery, received, replayed, age, receiving = cursor.fetchone()
    if not in_recovery:
        return None
    if receiving and received is not None and received == replayed:
        return 0.0
    if receiving and received is not None:
        started = _clock()
        while _clock() - started < CATCH_UP_SECONDS:
            _sleep(CATCH_UP_POLL)
            cursor.execute(REPLAYED_SQL, [received])
            if cursor.fetchone()[0]:
                return _clock() - started
    return None if age is None else max(0.0, float(age))


def replica_lag(alias: str) -> float | None:
    """The replica's lag in seconds (None: not a standby, or unknown); raises DatabaseError
    when it does not answer. Runs on the request thread's connection to it."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # a test mirror of the embedded database
            cursor.execute("SELECT 1")
            return 0.0
        return standby_lag(cursor)


class Health:
    """Each process's view of its replicas: checked at most every
    ``DATABASE_REPLICA_CHECK_SECONDS``, by the request that needs it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, bool]] = {}  # alias: (checked at, healthy)

    def healthy(self) -> list[str]:
        with self._lock:
            return [alias for alias in settings.DATABASE_REPLICAS if self._is_healthy(alias)]

    def _is_healthy(self, alias: str) -> bool:
        checked_at, healthy = self._state.get(alias, (-math.inf, False))
        if _clock() - checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS:
            return healthy
        now_healthy = self._check(alias)
        if now_healthy != healthy and alias in self._state:
            logger.log(
                logging.INFO if now_healthy else logging.WARNING,
                "Replica %s is %s",
                alias,
                "healthy again: reads go to it" if now_healthy else "skipped",
            )
        self._state[alias] = (_clock(), now_healthy)
        return now_healthy

    def _check(self, alias: str) -> bool:
        try:
            lag = replica_lag(alias)
        except DatabaseError as error:
            logger.warning("Replica %s does not answer: %s", alias, str(error).strip()[:200])
            _close(alias)
            return False
        if lag is None:
            logger.warning("Replica %s is not a standby or its lag is unknown", alias)
            return False
        if lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
            logger.warning(
                "Replica %s lags %.1f s (more than DATABASE_REPLICA_MAX_LAG_SECONDS)", alias, lag
            )
            return False
        return True

    def mark_down(self, alias: str) -> None:
        """Skip ``alias`` until the next check (its connection failed in a request)."""
        with self._lock:
            self._state[alias] = (_clock(), False)

    def reset(self) -> None:
        with self._lock:
            self._state.clear()


health = Health()


def _close(alias: str) -> None:
    with contextlib.suppress(Exception):
        connections[alias].close()


# --- The scope: a request whose reads may go to a replica -----------------------------------


class _Scope:
    """One routed request: whether it must stay on the primary, the replica it reads from
    (picked at its first read), and whether it wrote to the primary."""

    def __init__(self, *, primary_only: bool) -> None:
        self.primary_only = primary_only
        self.wrote = False
        self.replica: str | None = None
        self.picked = False

    def read_alias(self) -> str:
        if self.primary_only or self.wrote or connections[DEFAULT].in_atomic_block:
            return DEFAULT
        if not self.picked:
            self.picked = True
            healthy = health.healthy()
            self.replica = random.choice(healthy) if healthy else None
        return self.replica or DEFAULT

    def watch_primary(self, execute, sql, params, many, context):
        """An execute wrapper on the primary's connection: a statement other than a query or
        transaction control (an INSERT, an UPDATE, a data-changing WITH ...) means the request
        writes, whichever way it was sent (a raw cursor too)."""
        if not self.wrote:
            text = sql if isinstance(sql, str) else str(sql)
            words = text.lstrip()[:10].split(None, 1)
            if not words or words[0].upper() not in NOT_WRITES:
                self.wrote = True
        return execute(sql, params, many, context)

    def failed_replica(self) -> str | None:
        """The replica this request read from, when its connection failed (Django flags a
        connection on which an error other than a data or integrity error occurred)."""
        if self.replica is not None and connections[self.replica].errors_occurred:
            return self.replica
        return None


_scope: ContextVar[_Scope | None] = ContextVar("pht_replica_scope", default=None)


@contextlib.contextmanager
def _entered(scope: _Scope) -> Iterator[_Scope]:
    token = _scope.set(scope)
    try:
        with connections[DEFAULT].execute_wrapper(scope.watch_primary):
            yield scope
    finally:
        _scope.reset(token)


def replica_reads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a read-only view (GET or HEAD) read from a replica (module docstring).

    The view must read before it writes (its access-log row last): a view that changes data
    and then shows it is not decorated. Without replicas configured this adds nothing.
    """

    @functools.wraps(view)
    def routed(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if (
            not settings.DATABASE_REPLICAS
            or request.method not in ("GET", "HEAD")
            or _scope.get() is not None
        ):
            return view(request, *args, **kwargs)
        access.active_membership(request)  # who may see what: from the primary, cached
        before = dict(request.__dict__)
        scope = _Scope(primary_only=wrote_recently(request))
        try:
            with _entered(scope):
                return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            failed = scope.failed_replica()
            if failed is None or scope.wrote:
                raise
            health.mark_down(failed)
            _close(failed)
            logger.warning(
                "Replica %s failed during a request (%s); read again from the primary",
                failed,
                str(error).strip()[:200],
            )
        # From the start, on the primary: the request as it came in (no half-done state).
        request.__dict__.clear()
        request.__dict__.update(before)
        with _entered(_Scope(primary_only=True)):
            return view(request, *args, **kwargs)

    return routed


# --- Read your writes ------------------------------------------------------------------------

COOKIE = "pht_wrote"
_SALT = "pht.db_router.read-your-writes"


def _cache_key(user_id) -> str:
    return f"pht:wrote:{user_id}"


def note_write(request: HttpRequest, response: HttpResponse) -> None:
    """After a request that may have changed data (not GET/HEAD/OPTIONS/TRACE): for the next
    ``READ_YOUR_WRITES_SECONDS`` this user's pages read from the primary. A signed cookie
    (every app server reads it) and, with Redis, the shared cache (the user's other devices
    too)."""
    user = getattr(request, "user", None)
    window = settings.READ_YOUR_WRITES_SECONDS
    if not settings.DATABASE_REPLICAS or user is None or not user.is_authenticated:
        return
    if window <= 0:
        return
    response.set_signed_cookie(
        COOKIE,
        str(user.pk),
        salt=_SALT,
        max_age=math.ceil(window),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    if settings.REDIS_URL:
        try:
            cache.set(_cache_key(user.pk), time.time(), timeout=math.ceil(window))
        except Exception as error:  # the cookie still holds it for this browser
            logger.warning("Could not note a write in the cache: %s", error)


def wrote_recently(request: HttpRequest) -> bool:
    """Whether the request's user changed something in the last READ_YOUR_WRITES_SECONDS."""
    user = getattr(request, "user", None)
    window = settings.READ_YOUR_WRITES_SECONDS
    if user is None or not user.is_authenticated or window <= 0:
        return False
    try:
        signed = request.get_signed_cookie(
            COOKIE, salt=_SALT, max_age=datetime.timedelta(seconds=window)
        )
    except (KeyError, BadSignature):
        signed = None
    if signed == str(user.pk):
        return True
    if not settings.REDIS_URL:
        return False
    try:
        at = cache.get(_cache_key(user.pk))
    except Exception as error:  # cannot tell: the primary is always right
        logger.warning("Could not read the last write from the cache: %s", error)
        return True
    return at is not None and time.time() - at < window


# --- The router --------------------------------------------------------------------------


class ReplicaRouter:
    """``DATABASE_ROUTERS``: writes and migrations on the primary; reads on a replica only
    inside :func:`replica_reads` (see the module docstring)."""

    def db_for_read(self, model, **hints) -> str:
        scope = _scope.get()
        return DEFAULT if scope is None else scope.read_alias()

    def db_for_write(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        ours = {DEFAULT, *settings.DATABASE_REPLICAS}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True  # one database, read through several connections
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT
