"""django-axes hooks (see the Accounts block in settings.py)."""

# Usernames are at most 150 characters (Django's User); axes stores at most 255.
USERNAME_MAX = 150


def attempt_username(request, credentials=None):
    """The username an attempt is counted under (AXES_USERNAME_CALLABLE): what was typed, cut
    to a real username's length. Django's login forms do not enforce that length, and an
    overlong one would not fit axes' table (a 500 instead of "wrong password")."""
    if credentials:
        value = credentials.get("username")
    else:
        value = getattr(request, "data", request.POST).get("username")
    if value is None:
        return None
    return str(value).replace("\x00", "")[:USERNAME_MAX]
