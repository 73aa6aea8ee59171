from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in hardening: lockouts (django-axes), rate limits, session limits, password rules."""

    name = "accounts"
    verbose_name = "Accounts and sign-in"
