from accounts.middleware import idle_minutes_for, idle_seconds_left


def session_limits(request):
    """The idle timeout of the signed-in user and the seconds left of it, for the idle warning
    script (data attributes on <body> in base.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {"idle_minutes": idle_minutes_for(user), "idle_seconds_left": idle_seconds_left(request)}
