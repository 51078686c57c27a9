"""The token buckets and client addresses behind the public verification rate limit."""

from __future__ import annotations

import pytest
from django.test import override_settings

from roadcredit.core.ratelimit import RateLimited, RateLimiter, client_key


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_one_request_per_refill():
    clock = FakeClock()
    limiter = RateLimiter(rate=20, burst=60, clock=clock)
    assert [limiter.hit("223.104.1.10") for _ in range(60)] == [0.0] * 60
    wait = limiter.hit("223.104.1.10")
    assert wait == pytest.approx(0.05)
    clock.now += 0.05
    assert limiter.hit("223.104.1.10") == 0.0
    assert limiter.hit("223.104.1.10") > 0
    # Quiet for three seconds: the bucket is full again, never fuller than the burst.
    clock.now += 3
    assert [limiter.hit("223.104.1.10") for _ in range(61)].count(0.0) == 60


def test_clients_have_separate_buckets():
    clock = FakeClock()
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    assert [limiter.hit("a") for _ in range(3)][2] > 0
    assert limiter.hit("b") == 0.0


def test_the_number_of_buckets_is_bounded():
    clock = FakeClock()
    limiter = RateLimiter(rate=1, burst=5, max_clients=100, clock=clock)
    for n in range(1000):
        limiter.hit(f"10.0.{n // 256}.{n % 256}")
        clock.now += 0.001
    assert len(limiter) <= 100
    # A client seen just now keeps its (partly used) bucket when older ones are dropped.
    for _ in range(5):
        limiter.hit("198.51.100.1")
    for n in range(60):
        limiter.hit(f"10.9.0.{n}")
    assert limiter.hit("198.51.100.1") > 0


def test_rate_limited_carries_the_chinese_message_and_whole_seconds():
    error = RateLimited(0.2)
    assert (error.status_code, error.retry_after) == (429, 1)
    assert error.message == "核验请求过于频繁，请稍候再试。"
    assert error.extra == {"retry_after": 1}


@override_settings(RATE_LIMIT_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
def test_the_client_is_read_from_x_forwarded_for_only_behind_a_trusted_proxy():
    assert client_key("203.0.113.9", None) == "203.0.113.9"
    assert client_key("203.0.113.9", "1.2.3.4") == "203.0.113.9"  # untrusted peer
    assert client_key("127.0.0.1", "223.104.1.10") == "223.104.1.10"
    # Two trusted hops (nginx on the host behind the bureau's load balancer).
    assert client_key("127.0.0.1", "223.104.1.10, 10.8.0.2") == "223.104.1.10"
    # A forged left part cannot choose the address.
    assert client_key("127.0.0.1", "8.8.8.8, 223.104.1.10") == "223.104.1.10"
    # Garbage written by the client is not an address: the last trusted hop is counted.
    assert client_key("127.0.0.1", "unknown") == "127.0.0.1"


@override_settings(RATE_LIMIT_TRUSTED_PROXIES=[])
def test_ipv6_clients_are_counted_per_64_network_and_mapped_ipv4_as_ipv4():
    assert client_key("2409:8a1e:6a10:1::5", None) == "2409:8a1e:6a10:1::/64"
    assert client_key("2409:8a1e:6a10:1:abcd::9", None) == "2409:8a1e:6a10:1::/64"
    assert client_key("::ffff:223.104.1.10", None) == "223.104.1.10"
    assert client_key("127.0.0.1", "223.104.1.10") == "127.0.0.1"  # no trusted proxy at all
