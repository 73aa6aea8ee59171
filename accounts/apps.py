from django.apps import AppConfig


def start_session_clocks(sender, request, user, **kwargs):
    """Every way of signing in (login page, admin, invitation link, the tests' force_login)
    starts the session clocks; SessionLimitsMiddleware only reads and advances them."""
    from accounts.middleware import stamp_session

    if request is not None and hasattr(request, "session"):
        stamp_session(request.session)


class AccountsConfig(AppConfig):
    """Sign-in hardening: lockouts (django-axes), rate limits, session limits, password rules."""

    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(start_session_clocks, dispatch_uid="accounts.session_clocks")
