"""Per-client rate limits for public endpoints: token buckets kept in process.

Public verification (the lean ``/v/check`` route, the ``/v/`` page, the PDF upload page and the
public verify API operations) shares one limiter, ``verification_limiter()``: each client
address gets a bucket of ``PUBLIC_VERIFY_BURST`` requests, refilled at ``PUBLIC_VERIFY_RATE``
requests per second (``0`` turns the limit off). A request over the limit is refused with
HTTP 429, a ``Retry-After`` header and the Chinese message of ``RateLimited``.

The buckets live in the worker process (a lock-protected dict, about a microsecond per check),
so with N worker processes a client may get up to N times the configured rate, depending on how
its requests are spread over the workers; size the setting per worker. No shared store is
touched on the hot path: the lean route stays as fast as it is without the limit.

The client is the peer address of the connection, unless that peer is one of the trusted
reverse proxies (``RATE_LIMIT_TRUSTED_PROXIES``: addresses or networks): then
``X-Forwarded-For`` is read from the right, skipping trusted proxies, and the first address a
trusted proxy saw is the client's (a client cannot choose it by sending its own header). IPv6
clients are counted per /64 network (one subscriber's allocation), IPv4 per address.
"""

from __future__ import annotations

import functools
import ipaddress
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from roadcredit.core.errors import ApplicationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_CLIENTS = 100_000


class RateLimited(ApplicationError):
    """Too many requests from one client: HTTP 429, ``extra["retry_after"]`` in seconds."""

    status_code = 429

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(
            _("Too many verification requests from your network: please wait and try again."),
            {"retry_after": self.retry_after},
        )


class RateLimiter:
    """Token buckets keyed by client: ``burst`` requests at once, refilled at ``rate`` per
    second. At most ``max_clients`` buckets are kept: beyond that full buckets (clients quiet
    long enough to have refilled) are forgotten first, then the least recently seen half."""

    def __init__(
        self,
        *,
        rate: float,
        burst: float,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, last update]

    def hit(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds until one is back."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    self._sweep(now)
                self._buckets[key] = [self.burst - 1.0, now]
                return 0.0
            tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
            if tokens >= 1.0 - 1e-9:  # floating point: a whole refill is a whole token
                bucket[0] = max(0.0, tokens - 1.0)
                return 0.0
            bucket[0] = tokens
            return (1.0 - tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        buckets = self._buckets
        for key in [
            k
            for k, (tokens, at) in buckets.items()
            if tokens + (now - at) * self.rate >= self.burst
        ]:
            del buckets[key]
        if len(buckets) >= self.max_clients:
            by_age = sorted(buckets, key=lambda k: buckets[k][1])
            for key in by_age[: len(by_age) // 2 + 1]:
                del buckets[key]


# --- Client addresses ---------------------------------------------------------------------------


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()
    )


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "RATE_LIMIT_TRUSTED_PROXIES", ())))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Iterable[Network]
) -> bool:
    return any(address in network for network in proxies)


def _key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@functools.lru_cache(maxsize=4096)
def client_key(remote: str | None, forwarded_for: str | None) -> str:
    """The rate-limit key of a client: its address (IPv6: its /64), read from
    ``X-Forwarded-For`` only when the peer ``remote`` is a trusted proxy."""
    peer = _address(remote or "")
    if peer is None:
        return remote or "-"
    proxies = trusted_proxies()
    if forwarded_for and proxies and _trusted(peer, proxies):
        client = peer
        for part in reversed(forwarded_for.split(",")):
            hop = _address(part)
            if hop is None:
                break  # not an address a proxy of ours wrote: keep the last trusted hop's peer
            client = hop
            if not _trusted(hop, proxies):
                break
        return _key(client)
    return _key(peer)


# --- The public verification limiter --------------------------------------------------------


_limiter_lock = threading.Lock()
_limiter: dict[str, RateLimiter | None] = {}


def verification_limiter() -> RateLimiter | None:
    """The process's limiter of public verification (None when ``PUBLIC_VERIFY_RATE`` is 0)."""
    try:
        return _limiter["verify"]
    except KeyError:
        pass
    with _limiter_lock:
        if "verify" not in _limiter:
            rate = float(getattr(settings, "PUBLIC_VERIFY_RATE", 0) or 0)
            burst = float(getattr(settings, "PUBLIC_VERIFY_BURST", 1) or 1)
            _limiter["verify"] = RateLimiter(rate=rate, burst=max(1.0, burst)) if rate > 0 else None
        return _limiter["verify"]


@receiver(setting_changed)
def _forget_limiter(*, setting: str, **kwargs: Any) -> None:
    if setting in ("PUBLIC_VERIFY_RATE", "PUBLIC_VERIFY_BURST"):
        with _limiter_lock:
            _limiter.clear()
    if setting == "RATE_LIMIT_TRUSTED_PROXIES":
        _networks.cache_clear()
        client_key.cache_clear()


def verification_wait(remote: str | None, forwarded_for: str | None) -> float:
    """Take one public verification request of this client: 0.0 when allowed, else the
    seconds to wait."""
    limiter = verification_limiter()
    if limiter is None:
        return 0.0
    return limiter.hit(client_key(remote, forwarded_for))


def throttle_verification(request: HttpRequest) -> None:
    """Count one public verification request (pages, API); raise ``RateLimited`` over the
    limit."""
    wait = verification_wait(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR")
    )
    if wait > 0:
        raise RateLimited(wait)


def rate_limited_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public verification page under the limit: over it, the 429 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            throttle_verification(request)
        except RateLimited as exc:
            return too_many_requests_page(request, exc)
        return view(request, *args, **kwargs)

    return wrapper


def too_many_requests_page(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = TemplateResponse(
        request,
        "core/429.html",
        {"message": exc.message, "retry_after": exc.retry_after},
        status=429,
    ).render()
    response["Retry-After"] = str(exc.retry_after)
    response["Cache-Control"] = "no-store"
    return response
