"""The client address the app believes: only what its trusted proxies vouch for."""

import pytest

from playground.core.guards import forwarded_client


@pytest.mark.parametrize("header, count, client", [
    ("203.0.113.7", 1, "203.0.113.7"),
    # The client wrote the first entry itself; the one proxy appended the real peer.
    ("1.2.3.4, 203.0.113.7", 1, "203.0.113.7"),
    # Two proxies (a load balancer, then nginx): the one the outer proxy saw.
    ("1.2.3.4, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
    # Fewer entries than proxies: the request did not come through them all; use the peer.
    ("203.0.113.7", 2, None),
    (None, 1, None),
    ("not-an-address", 1, None),
    ("2001:db8::1", 1, "2001:db8::1"),
])
def test_it_takes_the_address_the_trusted_proxies_vouch_for(header, count, client):
    assert forwarded_client(header, count) == client
