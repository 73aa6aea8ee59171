"""Password rules of the clinic, beyond Django's own validators."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError


class ClinicNameValidator:
    """Refuse a password containing the clinic's name, any word of it of 4 letters or more, or
    "revere" (the system's name): the first guesses of anyone attacking this clinic."""

    def _words(self) -> list[str]:
        name = settings.CLINIC_NAME.lower()
        words = {"revere"}
        compact = re.sub(r"[^a-z0-9]", "", name)
        if compact:
            words.add(compact)
        words.update(word for word in re.findall(r"[a-z0-9]+", name) if len(word) >= 4)
        return sorted(words, key=len, reverse=True)

    def validate(self, password, user=None):
        folded = re.sub(r"[^a-z0-9]", "", password.lower())
        for word in self._words():
            if word in folded:
                raise ValidationError(
                    "The password cannot contain the clinic's name or a word of it (such as "
                    "“%(word)s”), nor “revere”.",
                    code="password_has_clinic_name",
                    params={"word": word},
                )

    def get_help_text(self):
        return "Your password cannot contain the clinic’s name, a word of it, or “revere”."
