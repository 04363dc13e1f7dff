"""``make serve`` (scripts/serve.sh): production mode from a checkout with no manual step."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7Qw-" * 12


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
        return response.status, response.read()


@pytest.fixture
def production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        # The passkeys relying party needs a host name (WebAuthn refuses an IP address).
        ALLOWED_HOSTS="localhost,127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        # Plain HTTP on loopback: no TLS here.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        WEB_CONCURRENCY="1",
    )
    return env


def test_serve_answers_pages_and_hashed_static_files_in_production_mode(production_env):
    port = free_port()
    production_env["BIND"] = f"127.0.0.1:{port}"
    serve = subprocess.Popen(
        ["bash", "scripts/serve.sh", sys.executable],
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body = fetch(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                assert serve.poll() is None, serve.stdout.read().decode()
                assert time.monotonic() < deadline, "serve did not answer within 120 s"
                time.sleep(0.5)
        assert status == 200
        stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]+\.css)"', body)
        assert stylesheet, "the page links the collected, hashed stylesheet"
        css_status, _ = fetch(f"http://127.0.0.1:{port}{stylesheet.group(1).decode()}")
        assert css_status == 200
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)
    assert serve.returncode == 0


def test_serve_refuses_to_start_with_a_weak_secret_key(production_env):
    production_env["SECRET_KEY"] = "changeme"
    result = subprocess.run(
        ["bash", "scripts/serve.sh", sys.executable],
        cwd=ROOT,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
