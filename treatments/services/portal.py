"""Portal invitations: a one-time, expiring link by email to set a password."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from revere import roles


class PortalInviteTokenGenerator(PasswordResetTokenGenerator):
    """Like a password-reset token (it dies once a password is set, and after
    PASSWORD_RESET_TIMEOUT), but not interchangeable with one."""

    key_salt = "revere.portal.invite"


invite_tokens = PortalInviteTokenGenerator()


def invite_link(*, user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("portal:activate", args=[uid, invite_tokens.make_token(user)])
    return base_url.rstrip("/") + path


EMAIL_IN_USE = (
    "Another account already uses this email address. Ask the clinic manager to link it, or "
    "correct the patient's email."
)


def _login_email(patient) -> str:
    """The patient's email as their portal username; refused when it cannot be one."""
    email = patient.email.strip().lower()
    if not email:
        raise ValidationError("Add the patient's email address first: the invitation goes there.")
    limit = get_user_model()._meta.get_field("username").max_length
    if len(email) > limit:
        # An email may have up to 254 characters; a username at most 150.
        raise ValidationError(
            f"This email address is too long for a portal login ({len(email)} characters; at "
            f"most {limit}). Record a shorter email address for the patient, then send the "
            "invitation.",
            code="email_too_long",
        )
    return email


def _new_login(patient, email):
    User = get_user_model()
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError(EMAIL_IN_USE)
    user = User(
        username=email, email=email, first_name=patient.first_name, last_name=patient.last_name
    )
    user.set_unusable_password()
    try:
        # Two invitations sent at once for one address: the second meets the unique username.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(EMAIL_IN_USE) from None
    user.groups.add(Group.objects.get(name=roles.PATIENT))
    return user


@transaction.atomic
def portal_invite(*, patient, by, base_url: str):
    """Create (or reuse) the patient's portal login and email them a link to set a password.

    ``by`` is the staff member who sent it, or None when the patient asked for a fresh link; the
    patient record keeps who sent the latest invitation and when. Refused (ValidationError, and
    nothing written) without a usable email, or once the patient has set a password."""
    email = _login_email(patient)
    User = get_user_model()
    user = patient.user
    if user is None:
        user = patient.user = _new_login(patient, email)
    elif user.has_usable_password():
        raise ValidationError(
            "This patient has already set a portal password. If they forgot it, they can use "
            "“Forgot your password?” on the login page."
        )
    elif user.username != email:
        # The email was corrected before the patient set a password: the login follows it.
        if User.objects.filter(username__iexact=email).exclude(pk=user.pk).exists():
            raise ValidationError(EMAIL_IN_USE)
        user.username = user.email = email
        user.save(update_fields=["username", "email"])
    patient.portal_invited_at = timezone.now()
    patient.portal_invited_by = by
    patient.save(update_fields=["user", "portal_invited_at", "portal_invited_by", "updated_at"])
    link = invite_link(user=user, base_url=base_url)
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    context = {
        "link": link,
        "days": days,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "first_name": patient.first_name,
    }
    send_mail(
        subject=f"{settings.CLINIC_NAME}: your patient portal",
        message=render_to_string("portal/invite_email.txt", context),
        from_email=None,
        recipient_list=[email],
    )
    return user
