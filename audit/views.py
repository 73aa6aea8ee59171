"""The manager reads the audit trail: per patient ("Who saw or changed this record") and per user
(what they opened and changed), filtered by dates, 50 rows a page, and as CSV. Everyone else gets
a 404 (revere/access.py)."""

import csv

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from audit import selectors
from audit.forms import DateRangeForm
from audit.services import access_log
from patients.models import Patient
from revere.access import manager_required
from revere.pagination import BoundedPaginator

ROWS_PER_PAGE = 50
# The pages count at most this many rows (issue 11: a count of every row of a busy record's trail,
# on every page, read the whole access log of it); the CSV holds them all.
TRAIL_LIMIT = 1000
CSV_COLUMNS = [
    "time",
    "action",
    "record type",
    "record id",
    "patient id",
    "user id",
    "username",
    "path",
    "ip address",
    "user agent",
]


def _filters(request):
    """The date form and the trail's bounds; bad dates are the form's errors and no filter."""
    form = DateRangeForm(request.GET if ("from" in request.GET or "to" in request.GET) else None)
    since = until = None
    if form.is_bound and form.is_valid():
        since, until = selectors.day_bounds(form.cleaned_data["start"], form.cleaned_data["end"])
    return form, since, until


def _record_type(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _users_by_id(ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}


def _page(request, rows):
    paginator = BoundedPaginator(rows, ROWS_PER_PAGE, limit=TRAIL_LIMIT)
    page = paginator.get_page(request.GET.get("page"))
    entries = list(page.object_list)
    users = _users_by_id(e["t_user"] for e in entries)
    for entry in entries:
        entry["action_label"] = selectors.ACTIONS.get(entry["t_action"], entry["t_action"])
        entry["record_type"] = _record_type(entry["t_model"])
        entry["user"] = users.get(entry["t_user"])
    return page, entries


def _render(request, template, context, rows, form):
    if form.is_bound and not form.is_valid():
        page, entries = None, []
    else:
        page, entries = _page(request, rows)
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "page": page,
            "entries": entries,
            "query": form.query_string(),
            "trail_limit": f"{TRAIL_LIMIT:,}",
        },
    )


def _csv_rows(rows):
    """Every row of the trail with its user's username, newest first: one query whatever the
    number of rows (read 500 at a time from a server-side cursor), where a users query per chunk
    grew with them."""
    User = get_user_model()
    users = connection.ops.quote_name(User._meta.db_table)
    username = connection.ops.quote_name(User._meta.get_field(User.USERNAME_FIELD).column)
    sql, params = rows.order_by().query.sql_with_params()
    columns = [*selectors.COLUMNS, "t_username"]
    query = (
        f"SELECT {', '.join('t.' + name for name in selectors.COLUMNS)}, u.{username} "
        f"FROM ({sql}) t LEFT JOIN {users} u ON u.id = t.t_user "
        "ORDER BY t.t_at DESC, t.t_model, t.t_object"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(query, params)
        while chunk := cursor.fetchmany(500):
            for values in chunk:
                yield dict(zip(columns, values, strict=True))


def _csv_response(rows, name):
    def lines():
        writer = csv.writer(_Echo())
        yield writer.writerow(CSV_COLUMNS)
        for e in _csv_rows(rows):
            yield writer.writerow(
                [
                    timezone.localtime(e["t_at"]).isoformat(timespec="seconds"),
                    selectors.ACTIONS.get(e["t_action"], e["t_action"]),
                    e["t_model"],
                    e["t_object"],
                    e["t_patient"] or "",
                    e["t_user"] or "",
                    e["t_username"] or "",
                    e["t_path"] or "",
                    e["t_ip"] or "",
                    e["t_agent"] or "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    # No name in the file name: the file may be saved on a shared computer.
    response["Content-Disposition"] = (
        f'attachment; filename="audit-trail-{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


class _Echo:
    def write(self, value):
        return value


def _bad_filters_response(request, template, context, form):
    """The page with the form's message and no rows (bad dates are a message, never a 500)."""
    return _render(request, template, context, None, form)


@manager_required
def patient_trail(request, patient_uuid):
    # Archived records too: their trail matters as much.
    patient = get_object_or_404(Patient, uuid=patient_uuid)
    access_log(request=request, obj=patient, patient=patient)
    form, since, until = _filters(request)
    context = {"patient": patient}
    template = "audit/patient_trail.html"
    if form.is_bound and not form.is_valid():
        return _bad_filters_response(request, template, context, form)
    rows = selectors.trail(patient=patient, since=since, until=until)
    return _render(request, template, context, rows, form)


@manager_required
def patient_trail_csv(request, patient_uuid):
    patient = get_object_or_404(Patient, uuid=patient_uuid)
    form, since, until = _filters(request)
    if form.is_bound and not form.is_valid():
        return _bad_filters_response(
            request, "audit/patient_trail.html", {"patient": patient}, form
        )
    access_log(request=request, obj=patient, patient=patient)
    return _csv_response(selectors.trail(patient=patient, since=since, until=until), "patient")


@manager_required
def user_trail(request, user_id):
    subject = get_object_or_404(get_user_model(), pk=user_id)
    form, since, until = _filters(request)
    context = {"subject": subject}
    template = "audit/user_trail.html"
    if form.is_bound and not form.is_valid():
        return _bad_filters_response(request, template, context, form)
    rows = selectors.trail(user=subject, since=since, until=until)
    return _render(request, template, context, rows, form)


@manager_required
def user_trail_csv(request, user_id):
    subject = get_object_or_404(get_user_model(), pk=user_id)
    form, since, until = _filters(request)
    if form.is_bound and not form.is_valid():
        return _bad_filters_response(request, "audit/user_trail.html", {"subject": subject}, form)
    return _csv_response(selectors.trail(user=subject, since=since, until=until), "user")
