"""Who needs a second factor, and the writes behind enrolment, verification and recovery.

The devices are django-otp's: one TOTPDevice (the authenticator app) and one StaticDevice holding
the backup codes per user. Throttling is django-otp's own (exponential back-off per device).
"""

import logging
import math
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from revere import roles

logger = logging.getLogger(__name__)

TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


def mfa_applies(user) -> bool:
    """Clinic staff may use a second factor; portal patients are never asked."""
    return roles.is_clinic_staff(user)


def mfa_required(user) -> bool:
    """The manager always; physiotherapists and the front desk unless MFA_REQUIRED_FOR_STAFF is
    false."""
    if roles.is_manager(user):
        return True
    return settings.MFA_REQUIRED_FOR_STAFF and mfa_applies(user)


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None  # the device that accepted the code, or None
    wait_seconds: int = 0  # > 0: refused unchecked, too many wrong codes on that device


def _check_on(device: Device | None, code: str) -> CodeCheck:
    if device is None:
        return CodeCheck(device=None)
    with transaction.atomic():
        # Locked so two simultaneous guesses cannot both slip under the throttle.
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            locked_until = (info or {}).get("locked_until")
            wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
            return CodeCheck(device=None, wait_seconds=max(1, math.ceil(wait)))
        if device.verify_token(code):
            return CodeCheck(device=device)
    return CodeCheck(device=None)


def code_check(*, user, code: str) -> CodeCheck:
    """Check a sign-in code: six digits go to the authenticator device, anything else is tried
    as a backup code (each works once: django-otp deletes it when used)."""
    code = normalise_code(code)
    if code.isdigit() and len(code) == 6:
        return _check_on(confirmed_totp(user), code)
    backup = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return _check_on(backup, code)


def enrolment_device(*, user) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (kept until confirmed, so a
    reload shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def enrolment_confirm(*, user, code: str) -> tuple[TOTPDevice | None, list[str], int]:
    """Confirm the pending device with a code from the app. Returns (device or None, the new
    backup codes, seconds to wait if throttled)."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    code = normalise_code(code)
    if pending is None or not (code.isdigit() and len(code) == 6):
        return None, [], 0
    result = _check_on(pending, code)
    if result.device is None:
        return None, [], result.wait_seconds
    with transaction.atomic():
        device = result.device
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = backup_codes_regenerate(user=user)
    logger.info("Second factor enrolled for user id %s", user.pk)
    return device, codes, 0


@transaction.atomic
def backup_codes_regenerate(*, user) -> list[str]:
    """Replace the user's backup codes with a fresh set; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    device.throttle_reset(commit=False)
    device.confirmed = True
    device.save()
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def mfa_reset(*, user, by) -> int:
    """The manager's recovery: delete the user's authenticator and backup codes, so they enrol
    again at their next login. Recorded in the admin log (who, when, whose)."""
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    deleted += StaticDevice.objects.filter(user=user).delete()[0]
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[user],
        action_flag=CHANGE,
        change_message="Reset second factor: authenticator and backup codes deleted.",
        single_object=True,
    )
    logger.info("Second factor reset for user id %s by user id %s", user.pk, by.pk)
    return deleted


# --- Demo mode only ---------------------------------------------------------------------------


def demo_device_ensure(*, user, key_hex: str) -> TOTPDevice:
    """A confirmed authenticator with the published demo secret (DEMO_MODE only: anyone who
    reads the README can compute its codes)."""
    if not settings.DEMO_MODE:
        raise RuntimeError("Demo second-factor devices exist only in DEMO_MODE.")
    device = confirmed_totp(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=key_hex, confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"
