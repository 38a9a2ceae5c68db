"""Provider URLs must reach public addresses only, unless ALLOW_PRIVATE_PROVIDER_URLS is on."""

import pytest
from django.core.exceptions import ValidationError

from playground.teams.urlcheck import check_provider_url


@pytest.fixture(autouse=True)
def private_urls_refused(settings):
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False


def refusal(url: str) -> str:
    with pytest.raises(ValidationError) as caught:
        check_provider_url(url)
    return caught.value.messages[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "http://127.9.9.9/v1", "http://[::1]:11434/v1",
                                 "http://2130706433/v1"])
def test_it_refuses_loopback(url):
    assert "loopback" in refusal(url)


@pytest.mark.parametrize("url", ["http://10.0.0.5/v1", "https://172.16.3.4/v1", "http://192.168.1.10:1234/v1"])
def test_it_refuses_private_ranges(url):
    assert "private network" in refusal(url)


@pytest.mark.parametrize("url, reason", [
    ("http://169.254.169.254/latest", "link-local"),
    ("http://100.64.1.2/v1", "carrier-grade NAT"),
    ("http://0.0.0.0:8000/v1", "unspecified"),
    ("http://[::]/v1", "unspecified"),
    ("http://224.0.0.1/v1", "multicast"),
    ("http://240.0.0.1/v1", "private network"),
    ("http://192.0.0.8/v1", "IETF protocol assignment"),
    ("http://192.0.0.9/v1", "IETF protocol assignment"),
    ("http://192.0.0.255/v1", "IETF protocol assignment"),
])
def test_it_refuses_other_non_public_ipv4(url, reason):
    assert reason in refusal(url)


@pytest.mark.parametrize("url, reason", [
    ("http://[fc00::1]/v1", "unique-local"),
    ("http://[fd12:3456::1]/v1", "unique-local"),
    ("http://[fe80::1]/v1", "link-local"),
    ("http://[fec0::1]/v1", "site-local"),
    ("http://[feff:ffff::1]/v1", "site-local"),
    ("http://[::ffff:127.0.0.1]/v1", "IPv4-mapped form of 127.0.0.1 (a loopback address)"),
    ("http://[::ffff:10.1.1.1]/v1", "IPv4-mapped"),
    ("http://[2002:7f00:1::1]/v1", "6to4 form of 127.0.0.1"),
])
def test_it_refuses_non_public_ipv6(url, reason):
    assert reason in refusal(url)


@pytest.mark.parametrize("host", ["localhost", "vm"])
def test_it_refuses_a_hostname_that_resolves_to_a_private_address(host):
    message = refusal(f"http://{host}:8080/v1")
    assert f"{host}, which resolves to 127.0.0.1, a loopback address" in message
    assert "cannot be used to reach its own network" in message


@pytest.mark.parametrize("url", ["https://1.1.1.1/v1", "https://8.8.8.8:443/v1", "https://[2606:4700:4700::1111]/v1",
                                 "http://[::ffff:8.8.8.8]/v1"])
def test_it_allows_public_addresses(url):
    check_provider_url(url)


def test_it_lets_a_name_that_does_not_resolve_pass_for_the_run_time_check():
    check_provider_url("https://no-such-host.invalid/v1")


def test_it_allows_everything_when_the_setting_says_so(settings):
    settings.ALLOW_PRIVATE_PROVIDER_URLS = True
    check_provider_url("http://127.0.0.1:8000/v1")
    check_provider_url("http://localhost/v1")
