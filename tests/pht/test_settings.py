import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pht.settings import (  # noqa: TID251 (testing the parsers themselves)
    check_replica_timing,
    envbool,
    envfloat,
    replica_databases,
)

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    full_env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 64 + "production-like-secret-key",
        ALLOWED_HOSTS="clinic.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_secret_key_is_required_when_debug_is_off():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_garbled_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be one of"):
        envbool("SOME_FLAG", False)


@pytest.mark.parametrize("raw,expected", [("1", True), ("yes", True), ("0", False), ("off", False)])
def test_booleans_are_read_strictly(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert envbool("SOME_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["0", "-1", "two"])
def test_csv_export_connections_must_be_a_positive_whole_number(raw):
    result = run_manage("check", DEBUG="1", CSV_EXPORT_CONNECTIONS=raw)
    assert result.returncode != 0
    assert "CSV_EXPORT_CONNECTIONS must be" in result.stderr


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("short-but-secret", "it has 16 characters"),
        ("django-insecure-" + "k3y" * 30, "Django's insecure development key"),
        ("ab" * 40, "too few characters"),
    ],
)
def test_a_weak_secret_key_is_refused_when_debug_is_off(key, reason):
    result = run_manage("check", DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="clinic.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr and reason in result.stderr


def test_a_short_secret_key_is_accepted_in_development():
    result = run_manage("check", DEBUG="1", SECRET_KEY="dev")
    assert result.returncode == 0, result.stderr


def test_every_response_denies_the_browser_features_the_app_does_not_use(client, db):
    header = client.get("/accounts/login/")["Permissions-Policy"]
    features = dict(part.split("=") for part in header.split(", "))
    assert features["camera"] == "()" and features["microphone"] == "()"
    assert features["geolocation"] == "()" and features["payment"] == "()"
    # Passkeys (two-factor sign-in) stay available to the site itself.
    assert features["publickey-credentials-get"] == "(self)"
    assert features["publickey-credentials-create"] == "(self)"


def test_static_files_carry_the_permissions_policy_too(client, db):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "camera=()" in response["Permissions-Policy"]


def _print_setting(expression, **env):
    return run_manage(
        "shell",
        "-v0",
        "-c",
        f"from django.conf import settings; print({expression})",
        DEBUG="1",
        **env,
    )


def test_behind_pgbouncer_in_transaction_mode_server_side_cursors_are_off():
    result = _print_setting(
        "settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS')",
        DATABASE_POOL_MODE="transaction",
        DATABASE_URL="postgres://u@127.0.0.1:6432/pht",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_direct_connections_keep_server_side_cursors():
    result = _print_setting(
        "settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS')",
        DATABASE_POOL_MODE="session",
        DATABASE_URL="postgres://u@127.0.0.1:5432/pht",
    )
    assert result.stdout.strip() == "False"


def test_an_unknown_pool_mode_is_refused_with_the_values_allowed():
    result = run_manage("check", DEBUG="1", DATABASE_POOL_MODE="statement")
    assert result.returncode != 0
    assert "DATABASE_POOL_MODE must be session or transaction" in result.stderr


def test_a_malformed_trusted_proxy_is_refused():
    result = run_manage("check", DEBUG="1", TRUSTED_PROXIES="10.0.0.5,not-a-network")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


# --- Read replicas (DATABASE_REPLICA_URLS, pht/db_router.py) ----------------------------------

PRIMARY = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "pht",
    "HOST": "db.example.org",
    "PORT": 5432,
}


def replicas_of(*urls, primary=PRIMARY):
    return replica_databases(list(urls), primary=primary, conn_max_age=60, connect_timeout=2)


def test_no_replica_urls_means_no_replica_aliases():
    assert replicas_of() == {}


def test_each_replica_url_is_an_alias_that_mirrors_the_primary_in_tests():
    found = replicas_of("postgres://pht@r1.example.org/pht", "postgres://pht@r2.example.org/pht")
    assert list(found) == ["replica1", "replica2"]
    assert found["replica2"]["HOST"] == "r2.example.org"
    assert found["replica1"]["TEST"] == {"MIRROR": "default"}
    assert found["replica1"]["OPTIONS"]["connect_timeout"] == 2
    assert found["replica1"]["CONN_HEALTH_CHECKS"] is True
    assert found["replica1"]["CONN_MAX_AGE"] == 60


def test_replicas_need_a_postgresql_primary():
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}
    with pytest.raises(ImproperlyConfigured, match="needs a PostgreSQL primary"):
        replicas_of("postgres://pht@r1.example.org/pht", primary=sqlite)


@pytest.mark.parametrize("url", ["mysql://pht@r1.example.org/pht", "nonsense", "postgres://r1/"])
def test_a_replica_url_must_name_a_postgresql_database(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URLS entry 1"):
        replicas_of(url)


def test_a_replica_url_naming_the_primary_is_refused():
    with pytest.raises(ImproperlyConfigured, match="names the primary"):
        replicas_of("postgres://other@db.example.org:5432/pht")


def test_the_read_your_writes_window_must_cover_the_lag_bound_and_the_check_interval():
    check_replica_timing(max_lag=3, check_every=2, read_your_writes=5, connect_timeout=2)
    with pytest.raises(ImproperlyConfigured, match="READ_YOUR_WRITES_SECONDS"):
        check_replica_timing(max_lag=10, check_every=2, read_your_writes=5, connect_timeout=2)


@pytest.mark.parametrize(
    "timing, name",
    [
        ({"check_every": 0}, "DATABASE_REPLICA_CHECK_SECONDS"),
        ({"connect_timeout": 0}, "DATABASE_REPLICA_CONNECT_TIMEOUT"),
    ],
)
def test_replica_timings_must_be_positive(timing, name):
    values = {"max_lag": 3, "check_every": 2, "read_your_writes": 5, "connect_timeout": 2}
    with pytest.raises(ImproperlyConfigured, match=name):
        check_replica_timing(**{**values, **timing})


@pytest.mark.parametrize("raw", ["-1", "soon", "inf"])
def test_a_number_of_seconds_is_read_strictly(monkeypatch, raw):
    monkeypatch.setenv("SOME_SECONDS", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_SECONDS must be"):
        envfloat("SOME_SECONDS", 1)


def test_a_replica_with_the_embedded_database_stops_the_app_with_a_message(tmp_path):
    result = run_manage(
        "check",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_REPLICA_URLS="postgres://pht@r1/pht",
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS needs a PostgreSQL primary" in result.stderr
