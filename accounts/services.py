"""Rate limits counted in PostgreSQL, shared by every app server."""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import RateLimitHit

# Rows older than this are deleted whatever their scope; no window may be longer.
RETENTION = timedelta(days=1)


def key_hash(key: str) -> str:
    """A keyed SHA-256 of an email or IP address: the same for every server, not reversible by
    hashing a list of known addresses without the secret key."""
    return hmac.new(
        settings.SECRET_KEY.encode(), key.strip().lower().encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def rate_limit_hit(*, scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Count one request for ``key`` in ``scope``: True when the limit is reached (refuse it).

    At most ``limit`` requests are allowed per ``window``; a refused request is not recorded, so
    the window is "`limit` things done", and waiting out the window always works. A transaction
    advisory lock on (scope, key) makes counting and recording one step, so concurrent requests
    on several servers cannot both slip under the limit.
    """
    if window > RETENTION:
        raise ValueError("A rate-limit window cannot be longer than the retention of its rows.")
    digest = key_hash(key)
    with connection.cursor() as cursor:
        lock_name = f"ratelimit:{scope}:{digest}"
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [lock_name])
    now = timezone.now()
    RateLimitHit.objects.filter(at__lt=now - RETENTION).delete()
    used = RateLimitHit.objects.filter(scope=scope, key_hash=digest, at__gt=now - window).count()
    if used >= limit:
        return True
    RateLimitHit.objects.create(scope=scope, key_hash=digest, at=now)
    return False


def link_requests_exhausted(*, scope: str, email: str, ip: str) -> bool:
    """One request for a link (password reset, portal invitation) from ``ip`` for ``email``:
    True when either the address's or the IP's hourly allowance is used up (send nothing).

    Counted whether or not the address belongs to anyone, so the limit reveals nothing."""
    window = timedelta(minutes=settings.LINK_RATE_WINDOW_MINUTES)
    if rate_limit_hit(scope=f"{scope}:ip", key=ip, limit=settings.LINK_RATE_PER_IP, window=window):
        return True
    return rate_limit_hit(
        scope=f"{scope}:email", key=email, limit=settings.LINK_RATE_PER_EMAIL, window=window
    )


def rate_limited_message() -> str:
    minutes = settings.LINK_RATE_WINDOW_MINUTES
    wait = "an hour" if minutes == 60 else f"{minutes} minutes"
    return (
        f"Too many requests for a link from here or for this address. Nothing was sent. "
        f"Please try again in {wait} or call the clinic at {settings.CLINIC_PHONE}."
    )
