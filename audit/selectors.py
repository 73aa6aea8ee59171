"""Reading the audit trail: the access log and the pghistory events of every tracked table, as
one list of rows (newest first) that a page paginates and an export streams.

Each row: ``t_at``, ``t_action`` (view, insert, update, delete), ``t_model`` (the record's
"app_label.model"), ``t_object`` (its UUID where it has one, else its id), ``t_user`` (the user
id), ``t_patient`` (the patient's UUID, where the record belongs to one), ``t_path`` (the URL
path of the request), ``t_ip`` and ``t_agent`` (the access log's; empty for changes).
"""

import datetime

from django.apps import apps
from django.db import models
from django.db.models import F, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from pghistory.models import Event

from audit.models import AccessLog

# How each tracked table's event reaches the patient it belongs to (a lookup on the event model;
# the event keeps the foreign keys of the row, and parent rows are never deleted: PROTECT).
PATIENT_PATHS = {
    "patients.patient": "pgh_obj",
    "patients.appointment": "patient",
    "treatments.visit": "patient",
    "treatments.assessment": "visit__patient",
    "treatments.adhesionsite": "assessment__visit__patient",
    "treatments.outcomescore": "visit__patient",
    "treatments.screening": "visit__patient",
    "treatments.screeningfinding": "screening__visit__patient",
    "treatments.treatmentsession": "visit__patient",
    "treatments.application": "session__visit__patient",
    "treatments.addendum": "visit__patient",
    "treatments.homeprogram": "patient",
    "treatments.programexercise": "program__patient",
    "treatments.checkin": "patient",
    "treatments.checkindone": "checkin__patient",
    "treatments.intakeform": "patient",  # issue 13
    "treatments.intakeanswer": "intake__patient",
}

# Tracked tables that belong to no patient: staff, schedule set-up, catalogues, accounts.
NO_PATIENT = {
    "patients.practitioner",
    "patients.workinghours",
    "patients.timeoff",
    "patients.appointmenttype",
    "treatments.bodyregion",
    "treatments.outcomemeasure",
    "treatments.condition",
    "treatments.contraindication",
    "treatments.bloodpressurepolicy",
    "treatments.instrument",
    "treatments.stroketechnique",
    "treatments.exercise",
    "treatments.postcare",
    "treatments.consentexplanation",
    "audit.trackeduser",
    "audit.usergroupmembership",
}

ACTIONS = {"view": "Opened", "insert": "Created", "update": "Changed", "delete": "Deleted"}

_TEXT = models.CharField()


def event_models() -> list[type[Event]]:
    """Every pghistory event table of the project, in a stable order."""
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, Event) and getattr(model, "pgh_tracked_model", None) is not None
    ]
    return sorted(found, key=lambda m: m._meta.label)


def tracked_label(event_model) -> str:
    return event_model.pgh_tracked_model._meta.label_lower


def _object_expression(event_model):
    names = {f.name for f in event_model._meta.fields}
    if "uuid" in names:
        return Cast("uuid", _TEXT)
    if "pgh_obj" in names:
        return Cast("pgh_obj_id", _TEXT)
    if "user" in names and "group" in names:  # a group membership: who, which group
        return Concat(Value("user "), Cast("user_id", _TEXT), Value(" in "), F("group__name"))
    if "checkin" in names:  # an exercise ticked on a check-in
        return Concat(
            Value("check-in "),
            Cast("checkin_id", _TEXT),
            Value(", item "),
            Cast("programexercise_id", _TEXT),
        )
    return Cast("pgh_id", _TEXT)  # pragma: no cover (every tracked table is named above)


# The union's columns, always in this order (a UNION matches columns by position).
COLUMNS = ["t_at", "t_action", "t_model", "t_object", "t_user", "t_patient", "t_path"]
COLUMNS += ["t_ip", "t_agent"]


def _rows(queryset, **columns):
    return queryset.values(**{name: columns[name] for name in COLUMNS})


def _event_rows(event_model, *, patient=None, user=None, since=None, until=None):
    label = tracked_label(event_model)
    path = PATIENT_PATHS.get(label)
    queryset = event_model.objects.all()
    if patient is not None:
        if path is None:
            return None
        queryset = queryset.filter(**{path: patient.pk})
    if user is not None:
        queryset = queryset.alias(
            ctx_user=KeyTextTransform("user", "pgh_context__metadata")
        ).filter(ctx_user=str(user.pk))
    if since is not None:
        queryset = queryset.filter(pgh_created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(pgh_created_at__lt=until)
    return _rows(
        queryset,
        t_at=F("pgh_created_at"),
        t_action=Cast("pgh_label", _TEXT),
        t_model=Value(label, output_field=_TEXT),
        t_object=_object_expression(event_model),
        t_user=Cast(KeyTextTransform("user", "pgh_context__metadata"), models.BigIntegerField()),
        t_patient=Cast(F(f"{path}__uuid"), _TEXT) if path else Value(None, output_field=_TEXT),
        t_path=KeyTextTransform("url", "pgh_context__metadata"),
        t_ip=Value(None, output_field=_TEXT),
        t_agent=Value(None, output_field=_TEXT),
    )


def _access_rows(*, patient=None, user=None, since=None, until=None):
    queryset = AccessLog.objects.all()
    if patient is not None:
        queryset = queryset.filter(patient=patient)
    if user is not None:
        queryset = queryset.filter(user=user)
    if since is not None:
        queryset = queryset.filter(at__gte=since)
    if until is not None:
        queryset = queryset.filter(at__lt=until)
    return _rows(
        queryset,
        t_at=F("at"),
        t_action=Value("view", output_field=_TEXT),
        t_model=F("model"),
        t_object=F("object_id"),
        t_user=Cast("user_id", models.BigIntegerField()),
        t_patient=Cast("patient__uuid", _TEXT),
        t_path=F("path"),
        t_ip=Cast("ip_address", _TEXT),
        t_agent=F("user_agent"),
    )


def day_bounds(since: datetime.date | None, until: datetime.date | None):
    """The clinic's local days as aware datetimes: from the start of ``since`` to the end of
    ``until`` (``until`` is included)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time(), zone) if since else None
    end = (
        datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), zone)
        if until
        else None
    )
    return start, end


def trail(*, patient=None, user=None, since=None, until=None):
    """The access-log rows and history events of ``patient`` (their record, visits,
    appointments, programs and check-ins) or of what ``user`` opened and changed, between the
    aware datetimes ``since`` (included) and ``until`` (excluded), newest first."""
    filters = {"patient": patient, "user": user, "since": since, "until": until}
    parts = [_access_rows(**filters)]
    for event_model in event_models():
        rows = _event_rows(event_model, **filters)
        if rows is not None:
            parts.append(rows)
    return parts[0].union(*parts[1:], all=True).order_by("-t_at", "t_model", "t_object")
