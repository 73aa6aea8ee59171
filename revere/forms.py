"""Authentication forms with the labels and help the clinic's users see."""

from django.contrib.auth import forms as auth_forms


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account. "
        "Both are case-sensitive.",
    }
