"""Helpers for the public online booking tests (issue 13)."""

import re

from django.core import mail

from patients.models import AppointmentKind, AppointmentType

BOOK = "/book/"
CODE_IN_EMAIL = re.compile(r"^\s+([0-9]{6})\s*$", re.MULTILINE)
LINK_IN_EMAIL = re.compile(r"(https?://\S+/book/confirm/[0-9a-f-]{36}/\?code=[0-9]{6})")


def call_type():
    return AppointmentType.objects.get(kind=AppointmentKind.CONSULTATION)


def assessment_type():
    return AppointmentType.objects.get(kind=AppointmentKind.INITIAL_ASSESSMENT)


def details(type, starts_at, practitioner=None, **typed):
    data = {
        "type": type.pk,
        "practitioner": practitioner.pk if practitioner else "",
        "day": starts_at.date().isoformat(),
        "start": starts_at.isoformat(),
        "first_name": "Maren",
        "last_name": "Ostrowski",
        "phone": "604-555-0199",
        "email": "maren.ostrowski@example.com",
        "website": "",
    }
    data.update(typed)
    return data


def code_email(index=-1):
    message = mail.outbox[index]
    assert message.subject.startswith("Your code ")
    return message


def code_of(message) -> str:
    return CODE_IN_EMAIL.search(message.body).group(1)


def confirm_url(response) -> str:
    assert response.status_code == 302, response.status_code
    return response["Location"]
