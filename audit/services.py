"""Writing the access log. Called explicitly by each view that shows a record (Zulip style: the
action writes its audit row, no signal hides it)."""

from accounts.ip import client_ip
from audit.models import PATH_LENGTH, USER_AGENT_LENGTH, AccessLog


def _object_id(obj) -> str:
    # The UUID where the record has one (the id in its URLs), else the primary key.
    return str(getattr(obj, "uuid", None) or obj.pk)


def _ip_address(request) -> str | None:
    # The same address the lockouts use: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse
    # proxies the one the outermost saw (X-Forwarded-For is otherwise whatever the client sent,
    # and a log that can be told any address proves nothing).
    return client_ip(request) or None


def access_log(*, request, obj, patient) -> AccessLog:
    """Record that ``request.user`` opened ``obj`` (a model instance) of ``patient`` (a Patient,
    or None for a record that belongs to no patient). One INSERT; ids only, no names."""
    return AccessLog.objects.create(
        user=request.user,
        model=obj._meta.label_lower,
        object_id=_object_id(obj),
        patient=patient,
        path=request.path[:PATH_LENGTH],
        ip_address=_ip_address(request),
        user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
    )
