"""Authentication forms with the labels and help the clinic's users see, and what the apps'
model forms share."""

from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance

from revere.services import related_fields


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account. "
        "Both are case-sensitive.",
    }


class FieldChecksOnly:
    """A ModelForm mixin whose model validation checks the fields only: no query per foreign key
    (the form's choice fields checked them), unique field or check constraint (each says what a
    field's validators say). The service checks the row the same way before saving
    (``revere.services.full_clean_fields``); PostgreSQL checks it all."""

    def _post_clean(self):
        exclude = self._get_validation_exclusions() | set(related_fields(self._meta.model))
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self._update_errors(exc)
