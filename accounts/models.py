from django.db import models


class RateLimitHit(models.Model):
    """One counted request (a reset link or an invitation asked for) in a rate-limit window.

    The key is kept only as a keyed hash (HMAC-SHA-256 with SECRET_KEY) of the email address or
    IP address: the table can say "this address asked three times" without holding the address.
    The counter lives in PostgreSQL because several app servers share one database.
    """

    scope = models.CharField(max_length=40)
    key_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key_hash", "at"], name="ratelimit_scope_key_at"),
            # Pruning deletes by age across every key.
            models.Index(fields=["at"], name="ratelimit_at"),
        ]

    def __str__(self):
        return f"{self.scope} at {self.at:%Y-%m-%d %H:%M}"
