"""Django settings for PHT Clinic: the one settings file.

Every knob comes from the environment with a safe default (see .env.example).
Production is the default: DEBUG is off unless set, and then SECRET_KEY is
required and cookies, HTTPS redirects and HSTS are secure. `make run` sets
DEBUG=1 for a local demo.
"""

import datetime
import ipaddress
import os
import urllib.parse
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    """Read a boolean strictly: anything but a known true/false spelling fails loudly."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envfloat(name: str, default: float) -> float:
    """A number of seconds (decimals allowed), 0 or more."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds; got {raw!r}") from None
    if not 0 <= value < float("inf"):
        raise ImproperlyConfigured(f"{name} must be 0 or more seconds; got {raw!r}")
    return value


_POSTGRESQL = "django.db.backends.postgresql"


def _where(database: dict) -> tuple:
    return (
        database.get("HOST") or "localhost",
        str(database.get("PORT") or 5432),
        database["NAME"],
    )


def replica_databases(
    urls: list[str], *, primary: dict, conn_max_age: int, connect_timeout: int
) -> dict[str, dict]:
    """``replica1``, ``replica2`` ... for DATABASE_REPLICA_URLS: PostgreSQL standbys of the
    primary, connected with a short timeout (a replica that is down is skipped, not waited
    for), mirrors of "default" in tests. Anything else fails loudly."""
    if urls and primary["ENGINE"] != _POSTGRESQL:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS needs a PostgreSQL primary: set DATABASE_URL to it "
            "(the embedded SQLite database has no replicas)."
        )
    replicas: dict[str, dict] = {}
    for number, url in enumerate(urls, start=1):
        alias = f"replica{number}"
        try:
            database = dj_database_url.parse(
                url, conn_max_age=conn_max_age, conn_health_checks=True
            )
        except ValueError as error:
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS entry {number} is not a database URL ({error})"
            ) from None
        if database["ENGINE"] != _POSTGRESQL or not database.get("NAME"):
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS entry {number} must be a PostgreSQL URL with a "
                "database name, e.g. postgres://pht@replica.example.org:5432/pht"
            )
        if _where(database) == _where(primary):
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS entry {number} names the primary (DATABASE_URL) itself."
            )
        database["OPTIONS"] = {"connect_timeout": connect_timeout, **database.get("OPTIONS", {})}
        database["TEST"] = {"MIRROR": "default"}
        replicas[alias] = database
    return replicas


def check_replica_timing(
    *, max_lag: float, check_every: float, read_your_writes: float, connect_timeout: int
) -> None:
    """The replica timings must let a user read back their own change: a replica is used while
    its lag, measured at most ``check_every`` seconds ago, was within ``max_lag``."""
    if check_every <= 0:
        raise ImproperlyConfigured("DATABASE_REPLICA_CHECK_SECONDS must be more than 0.")
    if connect_timeout < 1:
        raise ImproperlyConfigured("DATABASE_REPLICA_CONNECT_TIMEOUT must be 1 second or more.")
    if read_your_writes < max_lag + check_every:
        raise ImproperlyConfigured(
            f"READ_YOUR_WRITES_SECONDS ({read_your_writes:g}) must be at least "
            f"DATABASE_REPLICA_MAX_LAG_SECONDS + DATABASE_REPLICA_CHECK_SECONDS "
            f"({max_lag:g} + {check_every:g}): a user's pages go back to a replica only once "
            "their last change is older than any lag the replica may have, so they always "
            "see what they saved."
        )


_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
}


def email_mailer(url: str) -> dict:
    """The default mailer (Django's ``MAILERS["default"]``) for an ``EMAIL_URL``:
    ``console://``, ``memory://``, ``dummy://``, ``smtp://user:password@host:587?tls=1`` (or
    ``?ssl=1``), ``smtp+tls://`` / ``smtp+ssl://``. User and password may be %-encoded.
    Anything else fails loudly."""
    parsed = urllib.parse.urlsplit(url.strip())
    scheme = parsed.scheme.lower()
    if scheme not in _EMAIL_BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with one of {', '.join(sorted(_EMAIL_BACKENDS))}:// "
            f"(got {scheme + '://' if scheme else repr(url)})"
        )
    mailer: dict = {"BACKEND": _EMAIL_BACKENDS[scheme]}
    if not scheme.startswith("smtp"):
        return mailer
    if not parsed.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL for SMTP needs a host, e.g. smtp+tls://user:password@mail.example.org:587"
        )
    query = dict(urllib.parse.parse_qsl(parsed.query))
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has an invalid port.") from None
    use_tls = scheme == "smtp+tls" or query.get("tls", "").lower() in _TRUE
    use_ssl = scheme == "smtp+ssl" or query.get("ssl", "").lower() in _TRUE
    if use_tls and use_ssl:
        raise ImproperlyConfigured("EMAIL_URL: choose TLS (STARTTLS) or SSL, not both.")
    mailer["OPTIONS"] = {
        "host": parsed.hostname,
        "port": port or (465 if use_ssl else 587 if use_tls else 25),
        "username": urllib.parse.unquote(parsed.username or ""),
        "password": urllib.parse.unquote(parsed.password or ""),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "timeout": 20,
    }
    return mailer


DEBUG = envbool("DEBUG", False)

# A key Django's own deployment check would call weak (security.W009: fewer than 50
# characters, fewer than 5 different ones, or Django's "django-insecure-" prefix) signs
# sessions, reset links and CSRF tokens that can be guessed: refused outside DEBUG.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5


def weak_secret_key(key: str) -> str:
    """Why ``key`` is too weak to sign anything in production, or ""."""
    if key.startswith("django-insecure-"):
        return "it is Django's insecure development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(key)} characters (at least {SECRET_KEY_MIN_LENGTH} are needed)"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE:
        return f"it repeats too few characters (at least {SECRET_KEY_MIN_UNIQUE} different)"
    return ""


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For a local demo run 'make run', "
            "which sets DEBUG=1; in production generate a long random key."
        )
    # Development only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
elif not DEBUG and (weakness := weak_secret_key(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak: {weakness}. Generate one with "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    # Second factor (pht/twofactor.py): authenticator-app codes, recovery codes, passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    # The task queue's jobs, in this database (docs/adr/0006-task-queue.md).
    "django_tasks_db",
    "pht",
    "assessments",
    "rehab",
    "exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pht.middleware.PermissionsPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # With read replicas: a user who just changed something reads from the primary for a few
    # seconds (pht.db_router). Outside the log-in checks, so a log-in counts too.
    "pht.middleware.ReadYourWrites",
    # request.user.is_verified(): whether this session passed its second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out after the idle or absolute limit (below), then every page needs a log-in; a
    # background request (live panel, autosave) of a signed-out user answers 401.
    "pht.middleware.SessionTimeout",
    "pht.middleware.LoginRequired",
    # After the password: a user with a second factor proves it before any other page, and a
    # clinic that requires one sends its users without one to set it up.
    "pht.middleware.TwoFactorRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "pht.middleware.NoStoreMiddleware",
    # Before any view or the CSRF check reads the body (those read it after every __call__),
    # and inside the middleware above, so its 400 page carries the usual headers.
    "pht.middleware.Utf8FormBodyMiddleware",
    # Last, as django-axes asks: it turns a refused (locked-out) login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pht.urls"
WSGI_APPLICATION = "pht.wsgi.application"
AUTH_USER_MODEL = "pht.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pht.context_processors.clinic",
            ],
        },
    },
]

# Database: an embedded SQLite file by default (zero set-up); PostgreSQL via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several users at once on the embedded database. Every page that shows a patient writes
    # an access-log row; under SQLite's default (DEFERRED) a transaction that read first and
    # then writes fails at once with "database is locked" when another connection is writing
    # (waiting could deadlock, so SQLite does not wait). IMMEDIATE takes the write lock at
    # BEGIN, so writers queue for up to ``timeout`` seconds instead, and the hash chain's read
    # of the last row happens under that lock (pht.chain). WAL lets readers go on while one
    # connection writes. PostgreSQL's settings are unchanged.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL",
    }
# Behind PgBouncer in transaction pooling mode (docs/deployment.md), a server connection
# belongs to a client only for one transaction: Django's server-side cursors (named cursors
# that outlive a statement, used by QuerySet.iterator()) must be off. Session state (SET,
# session advisory locks, prepared statements) is not used by the app; the audit chains'
# advisory locks and the CSV export's snapshot are transaction-scoped.
DATABASE_POOL_MODE = os.environ.get("DATABASE_POOL_MODE", "session").strip().lower()
if DATABASE_POOL_MODE not in {"session", "transaction"}:
    raise ImproperlyConfigured(
        f"DATABASE_POOL_MODE must be session or transaction; got {DATABASE_POOL_MODE!r}"
    )
if DATABASE_POOL_MODE == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# Read replicas (pht/db_router.py, docs/replicas.md): PostgreSQL hot standbys of DATABASE_URL,
# comma-separated, as aliases replica1, replica2 ... The read-only pages (lists, search, the
# dashboard, exports) read from a healthy one; everything else, every write and the reads
# of a user who changed something in the last READ_YOUR_WRITES_SECONDS use the primary.
# Tests: each alias mirrors "default" (no replica needed, no second test database).
DATABASE_REPLICA_URLS = envlist("DATABASE_REPLICA_URLS")
DATABASE_REPLICA_MAX_LAG_SECONDS = envfloat("DATABASE_REPLICA_MAX_LAG_SECONDS", 3)
DATABASE_REPLICA_CHECK_SECONDS = envfloat("DATABASE_REPLICA_CHECK_SECONDS", 2)
DATABASE_REPLICA_CONNECT_TIMEOUT = envint("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
READ_YOUR_WRITES_SECONDS = envfloat("READ_YOUR_WRITES_SECONDS", 5)
DATABASES.update(
    replica_databases(
        DATABASE_REPLICA_URLS,
        primary=DATABASES["default"],
        conn_max_age=envint("CONN_MAX_AGE", 60),
        connect_timeout=DATABASE_REPLICA_CONNECT_TIMEOUT,
    )
)
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
check_replica_timing(
    max_lag=DATABASE_REPLICA_MAX_LAG_SECONDS,
    check_every=DATABASE_REPLICA_CHECK_SECONDS,
    read_your_writes=READ_YOUR_WRITES_SECONDS,
    connect_timeout=DATABASE_REPLICA_CONNECT_TIMEOUT,
)
DATABASE_ROUTERS = ["pht.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL connections one clinic CSV export builds rows on at once (exports/
# csv.py): each export holds this many connections while it streams. 1 = the request's only.
CSV_EXPORT_CONNECTIONS = envint("CSV_EXPORT_CONNECTIONS", 2)
if CSV_EXPORT_CONNECTIONS < 1:
    raise ImproperlyConfigured(
        f"CSV_EXPORT_CONNECTIONS must be 1 or more; got {CSV_EXPORT_CONNECTIONS}"
    )

# Background tasks (Django's tasks API, docs/adr/0006-task-queue.md): jobs are rows of this
# database (django-tasks-db), run by `manage.py run_worker` (`make run` starts one). TASKS_BACKEND
# "immediate" runs each task inside the request instead (no worker; a small demo or a test).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be database or immediate; got {TASKS_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# Minutes between two anchorings of the audit chains' heads (pht/anchors.py), run by the task
# worker (`manage.py run_worker`): every chain's head is written to pht.ChainAnchor and logged,
# so that removing the newest audit rows is detected by `verify_audit`. 0 = the worker does not
# anchor (run `manage.py anchor_audit` from cron instead).
AUDIT_ANCHOR_MINUTES = envint("AUDIT_ANCHOR_MINUTES", 60)
if AUDIT_ANCHOR_MINUTES < 0:
    raise ImproperlyConfigured(
        f"AUDIT_ANCHOR_MINUTES must be 0 or more; got {AUDIT_ANCHOR_MINUTES}"
    )

# Patient import from CSV (assessments/patient_import.py): the largest file accepted, in MB
# and in patients, and the patients created per transaction (each chunk commits at once).
PATIENT_IMPORT_MAX_MB = envint("PATIENT_IMPORT_MAX_MB", 5)
PATIENT_IMPORT_MAX_ROWS = envint("PATIENT_IMPORT_MAX_ROWS", 20_000)
PATIENT_IMPORT_CHUNK_ROWS = envint("PATIENT_IMPORT_CHUNK_ROWS", 500)
if min(PATIENT_IMPORT_MAX_MB, PATIENT_IMPORT_MAX_ROWS, PATIENT_IMPORT_CHUNK_ROWS) < 1:
    raise ImproperlyConfigured("PATIENT_IMPORT_MAX_MB, _MAX_ROWS and _CHUNK_ROWS must be 1 or more")

# Caches: Redis when REDIS_URL is set (shared between app servers), else per-process memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: a locked-out login is refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# Dates typed day first in every form (14/03/1988, 14.03.1988, 14 Mar 1988, ISO too): the
# en_GB input formats, extended (pht/formats/en_GB/formats.py). A DATE_INPUT_FORMATS setting
# would be ignored: Django prefers the locale's formats since localisation is always on.
FORMAT_MODULE_PATH = ["pht.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (tests, loopback runs) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = envbool("WHITENOISE_USE_FINDERS", DEBUG)
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions: idle sessions expire (patient data on shared clinic computers).
# Signed out after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after
# signing in whatever the activity (pht.middleware.SessionTimeout). Drafts are autosaved.
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = envint("SESSION_ABSOLUTE_HOURS", 8)
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", SESSION_ABSOLUTE_HOURS * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
# Fixed lifetime from login (no session write on every request).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# E-mail (invitations, password reset): EMAIL_URL names the default mailer (email_mailer above);
# the console by default with DEBUG on, else Django's own default, SMTP on localhost:25.
MAILERS = {
    "default": email_mailer(
        os.environ.get("EMAIL_URL", "console://" if DEBUG else "smtp://localhost:25")
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PHT Clinic <noreply@localhost>")
# Invitations to join a clinic expire after this many days; after accepting, the new user
# sets up a second factor on this page (a URL name); an existing account that joins goes to
# the dashboard.
INVITATION_DAYS = envint("INVITATION_DAYS", 7)
# Password-reset e-mails: at most this many an hour to one address (ten times as many from one
# network address), so the form cannot flood an inbox (pht.account_views.PasswordResetView).
PASSWORD_RESET_LIMIT = envint("PASSWORD_RESET_LIMIT", 5)
INVITATION_NEXT_URL = "two_factor_setup"
# The address links in e-mails start with when there is no request (manage.py createclinic).
# Empty: createclinic's --base-url, default http://127.0.0.1:8000.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

# Login lockout (django-axes): after AXES_FAILURE_LIMIT failed log-ins for one username
# from one IP address, that pair is refused for AXES_COOLOFF_MINUTES (a correct password
# included). Locking the username+IP pair, not the username alone, keeps a stranger from
# locking a clinician out from elsewhere; not the IP alone, so a shared clinic network is not
# locked for everyone. A clinic admin (or the operator) unlocks with `manage.py axes_reset`.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = envint("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pht.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Keep the failure records only (no row per successful log-in; the access log has those).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Second factor (pht/twofactor.py, docs/security.md). Authenticator apps show the issuer as
# the account's name. Passkeys (django-otp-webauthn) are bound to the relying party ID, the
# site's domain: changing it later makes every registered passkey unusable.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "PHT Clinic")
_FIRST_HOST = next(
    (h.lstrip(".") for h in ALLOWED_HOSTS if h != "*" and not h[:1].isdigit() and "[" not in h),
    "",
)
OTP_WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "localhost" if DEBUG else _FIRST_HOST)
OTP_WEBAUTHN_RP_NAME = os.environ.get("WEBAUTHN_RP_NAME", "PHT Clinic")
OTP_WEBAUTHN_ALLOWED_ORIGINS = envlist(
    "WEBAUTHN_ALLOWED_ORIGINS",
    "http://localhost:8000"
    if DEBUG
    else (f"https://{OTP_WEBAUTHN_RP_ID}" if OTP_WEBAUTHN_RP_ID else ""),
)
# Passkeys are a second factor here, after the password: never a log-in on their own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "django_otp_webauthn"

# Transport security: secure by default when DEBUG is off; each can be turned off for a
# plain-HTTP loopback run (benchmarks) by setting it to 0.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers or proxies in front of the app servers (addresses or networks, e.g.
# "10.0.0.5,10.0.1.0/24"). A request that comes from one of them is taken to be from the
# address it appended to X-Forwarded-For (pht.audit.client_ip): for the access log, django-
# axes' lockouts and the password-reset limit. Empty: REMOTE_ADDR only (the header is ignored,
# as any client can send it).
try:
    TRUSTED_PROXIES = [ipaddress.ip_network(item) for item in envlist("TRUSTED_PROXIES")]
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None
AXES_CLIENT_IP_CALLABLE = "pht.audit.client_ip"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy (pht.middleware.PermissionsPolicy): every browser feature the app does not
# use is denied to it and to anything it could embed; passkeys (WebAuthn) only for the site.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "autoplay": "()",
    "camera": "()",
    "display-capture": "()",
    "encrypted-media": "()",
    "fullscreen": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "hid": "()",
    "idle-detection": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "picture-in-picture": "()",
    "publickey-credentials-create": "(self)",
    "publickey-credentials-get": "(self)",
    "screen-wake-lock": "()",
    "serial": "()",
    "usb": "()",
    "xr-spatial-tracking": "()",
}

# Content-Security-Policy (Django's built-in): no inline scripts or styles, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Logging: to stderr, never patient data. The filter drops the request object and query
# strings (patient searches carry names) from every record before it is formatted.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "pht.logging.RedactPatientData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every render at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes narrates every log-in at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}

# Paging of patient lists.
PATIENTS_PER_PAGE = envint("PATIENTS_PER_PAGE", 25)
