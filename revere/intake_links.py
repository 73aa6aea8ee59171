"""Links to a patient's intake form (issue 13), shared by the booking emails (patients) and the
intake pages (treatments), so that neither app imports the other.

The token is the patient's public uuid signed with the secret key and a timestamp: no login is
needed to open the form from the confirmation email, nobody can forge a link for another record,
and a link older than ``INTAKE_LINK_DAYS`` is refused. It carries no name, birth date or email.
"""

import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "revere.intake-form"


def intake_token(patient_uuid: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(patient_uuid))


def read_intake_token(token: str) -> uuid.UUID | None:
    """The patient uuid a valid, unexpired token was made for; None for anything else."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(
            token, max_age=settings.INTAKE_LINK_DAYS * 24 * 3600
        )
        return uuid.UUID(value)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def intake_path(patient_uuid: uuid.UUID) -> str:
    """The intake form's path for the patient (prefix the site's address for an email)."""
    return reverse("intake:form", args=[intake_token(patient_uuid)])
