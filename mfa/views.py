"""Second factor pages: verify at sign-in, enrol, backup codes, the Security page, and the
manager's reset. Every change is a POST; the pages that show a secret are never cached."""

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from mfa import services
from mfa.forms import CodeForm, EnrolmentCodeForm
from revere import roles
from revere.access import manager_required

NEW_CODES_SESSION_KEY = "mfa_new_backup_codes"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A local path only: redirect() would read a bare word ("1567") as a view name to reverse.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _staff_only(request):
    if not services.mfa_applies(request.user):
        raise Http404("No such page.")


def _wait_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes, wait {seconds} {unit} and try again."


@never_cache
@login_required
def verify(request):
    """Second step of the sign-in: a code from the authenticator app or one backup code."""
    _staff_only(request)
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not services.is_enrolled(request.user):
        return redirect("mfa:setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.code_check(user=request.user, code=form.cleaned_data["code"])
        if result.device is not None:
            request.session.cycle_key()
            otp_login(request, result.device)
            if result.device.persistent_id.startswith("otp_static."):
                left = services.backup_codes_left(request.user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. Make new ones on the Security page "
                    "if you are running low.",
                )
            return redirect(_next_url(request))
        if result.wait_seconds:
            form.add_error("code", _wait_message(result.wait_seconds))
        else:
            form.add_error(
                "code",
                "That code is not right. Type the newest 6-digit code from your app "
                "(check the phone's clock is set automatically), or one backup code.",
            )
    return render(request, "mfa/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def setup(request):
    """Enrolment: the QR code and the secret of a new authenticator, confirmed by one code."""
    _staff_only(request)
    user = request.user
    if services.is_enrolled(user):
        # Enrolled already: a new authenticator only after the manager's reset, never as a way
        # around the code.
        if user.is_verified():
            messages.info(request, "Two-step verification is already set up.")
            return redirect("mfa:security")
        return redirect("mfa:verify")
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, codes, wait = services.enrolment_confirm(user=user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.cycle_key()
            otp_login(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            return redirect("mfa:backup_codes")
        form.add_error(
            "code",
            _wait_message(wait)
            if wait
            else "That code does not match. Check the account you added in the app is this one, "
            "and type the 6-digit code it shows now.",
        )
    device = services.enrolment_device(user=user)
    context = {
        "form": form,
        "qr_svg": segno.make_qr(device.config_url, error="m").svg_inline(
            scale=5, title="QR code for your authenticator app"
        ),
        "secret": services.secret_base32(device),
        "required": services.mfa_required(user),
    }
    return render(request, "mfa/setup.html", context)


@never_cache
@login_required
def backup_codes(request):
    """The new backup codes, shown once (they are dropped from the session as they are shown)."""
    _staff_only(request)
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    return render(request, "mfa/backup_codes.html", {"codes": codes})


@never_cache
@login_required
def security(request):
    _staff_only(request)
    user = request.user
    context = {
        "device": services.confirmed_totp(user),
        "codes_left": services.backup_codes_left(user),
        "required": services.mfa_required(user),
        "is_manager": roles.is_manager(user),
    }
    return render(request, "mfa/security.html", context)


@require_POST
@login_required
def backup_codes_regenerate(request):
    _staff_only(request)
    if not (request.user.is_verified() and services.is_enrolled(request.user)):
        raise Http404("No such page.")
    request.session[NEW_CODES_SESSION_KEY] = services.backup_codes_regenerate(user=request.user)
    return redirect("mfa:backup_codes")


def _staff_users():
    user_model = get_user_model()
    staff_groups = (roles.PHYSIOTHERAPIST, roles.FRONT_DESK)
    return (
        user_model.objects.filter(Q(is_staff=True) | Q(groups__name__in=staff_groups))
        .filter(is_active=True)
        .distinct()
        .annotate(
            enrolled=Exists(
                TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True),
            )
        )
        .order_by("username")
    )


@never_cache
@manager_required
def staff_list(request):
    """The manager's view of who has set up the second factor, with the reset button."""
    page = Paginator(_staff_users(), 50).get_page(request.GET.get("page"))
    return render(request, "mfa/staff_list.html", {"page": page})


@require_POST
@manager_required
def staff_reset(request, pk: int):
    if pk > 2**31 - 1:  # past the id column's range: no such user, not a database error
        raise Http404("No such user.")
    target = get_object_or_404(_staff_users(), pk=pk)
    services.mfa_reset(user=target, by=request.user)
    messages.success(
        request,
        f"Second factor reset for {target.get_username()}: they set it up again at their next "
        "login.",
    )
    return redirect("mfa:staff_list")
