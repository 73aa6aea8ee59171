from accounts.middleware import idle_minutes_for


def session_limits(request):
    """The idle timeout of the signed-in user, for the idle warning script (base.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"idle_minutes": idle_minutes_for(user)}
