"""The patient portal: the patient's own plan, handout and daily check-in, and the invitation
link that sets their password. Every other page is a 404 for a patient."""

import contextlib

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.ip import client_ip
from patients import online
from patients.models import Patient
from patients.selectors import upcoming_for_portal
from revere.access import patient_required
from treatments.forms import CheckInForm
from treatments.models import CheckIn, HomeProgram, IntakeForm, ProgramExercise, Visit
from treatments.services import portal as portal_services
from treatments.services import programs as program_services
from treatments.services import progress


def _own_patient(request) -> Patient:
    # Issue 13: whether to ask for the intake form (none submitted, no visit yet) comes with the
    # patient's row, in the same query.
    patient = (
        Patient.objects.visible_to(request.user)
        .annotate(
            intake_submitted=Exists(
                IntakeForm.objects.submitted().filter(
                    Q(patient=OuterRef("pk")) | Q(patient__merged_into=OuterRef("pk"))
                )
            ),
            has_visit=Exists(Visit.objects.filter(patient=OuterRef("pk"))),
        )
        .first()
    )
    if patient is None:
        # A portal login whose record is archived or not linked yet: nothing to show.
        raise Http404("No patient record is linked to this login.")
    return patient


def _plan(patient):
    program = HomeProgram.objects.select_related("visit__practitioner").active_for(patient)
    items = (
        list(ProgramExercise.objects.filter(program=program).select_related("exercise"))
        if program
        else []
    )
    return program, items


@patient_required
def portal_home(request):
    patient = _own_patient(request)
    program, items = _plan(patient)
    today = timezone.localdate()
    # Today's check-in with what it ticked, in one query (the same count before and after).
    check_in = (
        CheckIn.objects.filter(patient=patient, day=today)
        .annotate(done_ids=ArrayAgg("done", filter=Q(done__isnull=False), default=Value([])))
        .first()
    )
    initial = {f"done_{pk}": True for pk in (check_in.done_ids if check_in else [])}
    if check_in and check_in.pain is not None:
        initial["pain"] = check_in.pain
    form = CheckInForm(initial=initial, items=items)
    return _render_plan(request, patient, program, form, checked_in=check_in is not None)


def _render_plan(request, patient, program, form, *, checked_in):
    upcoming = upcoming_for_portal(user=request.user, limit=1)
    return render(
        request,
        "portal/home.html",
        {
            "next_appointment": upcoming[0] if upcoming else None,
            "patient": patient,
            "program": program,
            "form": form,
            "today": timezone.localdate(),
            "checked_in": checked_in,
            "progress": progress.portal_charts(patient=patient),  # issue 12
            "online_booking": online.rules().enabled,  # issue 13: "Book an appointment"
        },
    )


@patient_required
@require_POST
def check_in(request):
    patient = _own_patient(request)
    program, items = _plan(patient)
    form = CheckInForm(request.POST, items=items)
    if form.is_valid():
        program_services.check_in_record(
            patient=patient,
            day=timezone.localdate(),
            done=form.done_items(),
            pain=form.cleaned_data["pain"],
            plan=items,
        )
        messages.success(request, "Today's check-in is saved. Well done!")
        return redirect("portal:home")
    return _render_plan(request, patient, program, form, checked_in=False)


def activate(request, uidb64, token):
    """The link in the invitation: choose a password, then land on "My plan"."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not portal_services.invite_tokens.check_token(user, token):
        return render(request, "portal/activate_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your password is set. Welcome!")
        return redirect("portal:home")
    return render(request, "portal/activate.html", {"form": form})


class InviteRequestForm(forms.Form):
    # An EmailField refuses NUL bytes (which PostgreSQL refuses in text) and overlong input.
    email = forms.EmailField(
        max_length=254,
        label="Your email address",
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter your email address as name@example.com.",
        },
    )


@require_POST
def request_invite(request):
    """From an expired or used link: send a fresh invitation if the address belongs to a patient
    who has not set a password yet. The answer is the same either way (only an address that
    cannot be one is refused, on the form)."""
    form = InviteRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/activate_invalid.html", {"form": form})
    email = form.cleaned_data["email"].lower()
    # Limited per address and per IP before the address is even looked up (issue 9).
    if account_services.link_requests_exhausted(
        scope="portal_invite", email=email, ip=client_ip(request)
    ):
        return render(
            request,
            "portal/activate_invalid.html",
            {"form": form, "rate_limited": account_services.rate_limited_message()},
            status=429,
        )
    patient = (
        Patient.objects.active()
        .filter(email__iexact=email, user__isnull=False)
        .select_related("user")
        .first()
    )
    if patient is not None and not patient.user.has_usable_password():
        # Whatever happens, the answer must not reveal whether the address is known.
        with contextlib.suppress(ValidationError):
            portal_services.portal_invite(
                patient=patient, by=None, base_url=request.build_absolute_uri("/")
            )
    return render(request, "portal/invite_requested.html")
