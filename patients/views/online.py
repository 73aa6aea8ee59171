"""Issue 13: the public booking page, without a login (``/book/``, namespace ``online``).

Choose what to book, with whom (or anyone) and a day; the day's free times are radio buttons;
give a name, phone and email; the time is held while the person confirms with the code emailed
to them. Every page works without JavaScript, carries the clinic's name, phone and address, and
says the same thing whoever the typed details belong to (nothing about existing patients).
"""

import datetime
import uuid

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from accounts.ip import client_ip
from patients import online, selectors
from patients.models import Appointment, BookingSource
from patients.online_forms import CODE, OnlineChooseForm, OnlineCodeForm, OnlineDetailsForm
from patients.services import online_booking
from patients.views.schedule import _plain

# The day strip: the chosen day and the days after it (within the window).
STRIP_DAYS = 7
_DONE_SALT = "revere.online-booking.done"
DONE_MAX_AGE = 24 * 3600


def _clinic() -> dict:
    return {"clinic_address": settings.CLINIC_ADDRESS}


def _site(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _lists():
    return (
        online.online_types(online.PUBLIC_KINDS).order_by("minutes", "name"),
        online.online_practitioners().order_by("display_name", "pk"),
    )


def _closed(request):
    return render(request, "online/closed.html", _clinic())


def _share_lists(target, source):
    """Give ``target`` the lists ``source`` already read (one query each per request)."""
    for name in ("type", "practitioner"):
        target.fields[name]._loaded = source.fields[name].loaded()


def _page(request, *, details=None, refusal="", status=200):
    """The booking page: the choice (type, practitioner, day), the day strip, the day's free
    times and the details form (``details`` when re-shown after a POST, with what was typed)."""
    types, practitioners = _lists()
    rules = online.rules()
    now = timezone.now()
    window = rules.window(now)
    source = request.POST if details is not None else request.GET
    chosen = {key for key in ("type", "practitioner", "day") if key in source}
    choose = OnlineChooseForm(
        {key: source.get(key, "") for key in chosen} if chosen else None,
        types=types,
        practitioners=practitioners,
    )
    notes = []
    cleaned = {}
    if choose.is_bound:
        if not choose.is_valid():
            for field in ("type", "practitioner", "day"):
                notes += [
                    f"{error} The page shows the first choice instead."
                    for error in choose.errors.get(field, [])
                ]
        cleaned = getattr(choose, "cleaned_data", {})
    offered = choose.fields["type"].loaded()
    pool_all = choose.fields["practitioner"].loaded()
    if not offered or not pool_all:
        return render(request, "online/closed.html", {**_clinic(), "nothing_offered": True})
    type = cleaned.get("type") or offered[0]
    practitioner = cleaned.get("practitioner")
    day = cleaned.get("day")

    first, last = rules.first_day(now), rules.last_day(now)
    if first > last:  # the settings leave no day (say, no days ahead and no same day)
        return render(request, "online/closed.html", {**_clinic(), "nothing_offered": True})
    span_start = day or first
    span = min(STRIP_DAYS if day else 2 * STRIP_DAYS, (last - span_start).days + 1)
    pool = [practitioner] if practitioner else pool_all
    found = selectors.free_days(practitioners=pool, first_day=span_start, days=span, now=now)

    def times(d):
        return [t for t in found.times(type, d) if window.start <= t.slot.start < window.end]

    if day is None:
        day = next((d for d in found.days[:STRIP_DAYS] if times(d)), span_start)
    free = times(day)

    keep = {"type": str(type.pk), "practitioner": str(practitioner.pk) if practitioner else ""}

    def query(d):
        return urlencode({**keep, "day": f"{d:%Y-%m-%d}"})

    strip = [
        {"day": d, "count": len(times(d)), "query": query(d), "current": d == day}
        for d in found.days
        if d >= day
    ][:STRIP_DAYS]
    one = datetime.timedelta(days=1)
    later = day + one * STRIP_DAYS
    earlier = max(first, day - one * STRIP_DAYS)

    display = OnlineChooseForm(
        initial={**keep, "day": day}, types=types, practitioners=practitioners
    )
    _share_lists(display, choose)
    if details is None:
        details = OnlineDetailsForm(types=types, practitioners=practitioners)
        _share_lists(details, choose)
    return render(
        request,
        "online/book.html",
        {
            **_clinic(),
            "choose": display,
            "details": details,
            "type": type,
            "practitioner": practitioner,
            "day": day,
            "free_times": free,
            "free_parts": selectors.day_parts(free),
            "everyone": 0 if practitioner else len(pool_all),
            "selected": _plain(request.POST.get("start", "")) if details.is_bound else "",
            "strip": strip,
            "earlier": query(earlier) if day > first else None,
            "later": query(later) if later <= last else None,
            "notes": notes,
            "refusal": refusal,
            "hold_minutes": int(rules.hold.total_seconds() // 60),
            "first_day": first,
            "last_day": last,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def book(request):
    online_booking.online_holds_expire()
    if not online.rules().enabled:
        return _closed(request)
    if request.method == "GET":
        return _page(request)
    types, practitioners = _lists()
    form = OnlineDetailsForm(request.POST, types=types, practitioners=practitioners)
    if not form.is_valid():
        return _page(request, details=form)
    if form.is_trap:
        # Looks like a success; nothing is stored, counted or sent.
        return redirect("online:confirm", hold_uuid=uuid.uuid4())
    data = form.cleaned_data
    if online_booking.requests_exhausted(email=data["email"], ip=client_ip(request)):
        return _page(
            request, details=form, refusal=online_booking.rate_limited_message(), status=429
        )
    try:
        hold = online_booking.online_hold_request(
            type=data["type"],
            practitioner=data["practitioner"],
            starts_at=data["start"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            site=_site(request),
        )
    except ValidationError as exc:
        return _page(request, details=form, refusal=" ".join(exc.messages))
    return redirect("online:confirm", hold_uuid=hold.uuid)


@require_http_methods(["GET", "POST"])
def confirm(request, hold_uuid):
    """Enter the code (or press "Confirm my booking" on the emailed link's page). The same page
    for any uuid, a hold or not: a wrong code and an unknown or expired hold read alike."""
    online_booking.online_holds_expire()
    status = 200
    if request.method == "POST":
        form = OnlineCodeForm(request.POST)
        if online_booking.code_attempts_exhausted(hold_uuid=hold_uuid, ip=client_ip(request)):
            form.is_valid()
            form.errors.clear()
            form.add_error(None, online_booking.code_rate_limited_message())
            status = 429
        elif form.is_valid():
            try:
                appointment = online_booking.online_booking_confirm(
                    hold_uuid=hold_uuid, code=form.cleaned_data["code"], site=_site(request)
                )
            except ValidationError as exc:
                if exc.code == "unavailable":
                    return render(
                        request,
                        "online/unavailable.html",
                        {**_clinic(), "message": exc.messages[0]},
                    )
                form.add_error("code", exc)
            else:
                token = signing.dumps(str(appointment.uuid), salt=_DONE_SALT)
                return redirect("online:done", token=token)
    else:
        code = request.GET.get("code", "")
        form = OnlineCodeForm(initial={"code": code} if CODE.fullmatch(code) else None)
    return render(
        request,
        "online/confirm.html",
        {
            **_clinic(),
            "form": form,
            "hold_minutes": int(online.rules().hold.total_seconds() // 60),
        },
        status=status,
    )


def done(request, token):
    """The booking made: the time, what and with whom (nothing about the patient)."""
    try:
        value = signing.loads(token, salt=_DONE_SALT, max_age=DONE_MAX_AGE)
        appointment_uuid = uuid.UUID(str(value))
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404("No such booking.") from None
    appointment = (
        Appointment.objects.filter(uuid=appointment_uuid, source=BookingSource.ONLINE)
        .select_related("type", "practitioner")
        .first()
    )
    if appointment is None:
        raise Http404("No such booking.")
    return render(
        request,
        "online/done.html",
        {
            **_clinic(),
            "appointment": appointment,
            "starts_at": timezone.localtime(appointment.starts_at),
            "ends_at": timezone.localtime(appointment.ends_at),
        },
    )
