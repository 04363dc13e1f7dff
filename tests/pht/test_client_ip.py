"""Which address a request is from (pht.audit.client_ip): the access log's address and
django-axes' lockout key, directly or behind a trusted load balancer (TRUSTED_PROXIES)."""

import ipaddress

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory, override_settings

from pht.audit import client_ip

BALANCER = [ipaddress.ip_network("10.0.0.5/32"), ipaddress.ip_network("10.0.1.0/24")]


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_forwarded_header_is_ignored():
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=BALANCER)
def test_behind_a_trusted_balancer_the_address_it_appended_is_the_client():
    assert client_ip(request_from("10.0.0.5", "198.51.100.1")) == "198.51.100.1"


@override_settings(TRUSTED_PROXIES=BALANCER)
def test_an_address_the_client_sent_itself_is_not_believed():
    # The client sent "X-Forwarded-For: 192.0.2.99"; the balancer appended the real address.
    assert client_ip(request_from("10.0.0.5", "192.0.2.99, 198.51.100.1")) == "198.51.100.1"


@override_settings(TRUSTED_PROXIES=BALANCER)
def test_a_chain_of_trusted_proxies_is_skipped():
    assert client_ip(request_from("10.0.0.5", "198.51.100.1, 10.0.1.20")) == "198.51.100.1"


@override_settings(TRUSTED_PROXIES=BALANCER)
def test_a_request_not_from_a_trusted_proxy_keeps_its_own_address():
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=BALANCER)
@pytest.mark.parametrize("forwarded", ["", "not-an-address", "198.51.100.1, garbage"])
def test_a_missing_or_malformed_header_falls_back_to_the_balancer(forwarded):
    assert client_ip(request_from("10.0.0.5", forwarded)) == "10.0.0.5"


@override_settings(TRUSTED_PROXIES=BALANCER)
@pytest.mark.django_db
def test_lockouts_count_per_client_behind_the_balancer(client, clinician, settings):
    """Failed log-ins are counted against the person's address, not the balancer's (which every
    colleague behind it shares)."""
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(
            "/accounts/login/",
            {"username": clinician.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    locked = client.post(
        "/accounts/login/",
        {"username": clinician.username, "password": "wrong"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}
