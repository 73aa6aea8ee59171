"""Several small reads in one SQL statement (issue 11's page budgets).

Each read is an ordinary ``.values()`` QuerySet (so its filters, joins and slices stay the ORM's);
``fetch_together`` wraps each in ``(SELECT json_agg(t) FROM (<its SQL>) t)`` and asks PostgreSQL
for all of them in one round trip. Rows come back as dicts keyed like ``.values()`` keys, numbers
with a fraction as Decimal; ``instance()`` turns a row back into a model instance (every concrete
field given, so nothing is deferred and nothing is asked again).
"""

import json
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber


def fetch_together(**querysets) -> dict[str, list[dict]]:
    """One statement for every ``name=values_queryset``; ``{name: [row dict, ...]}``. Row order
    is not guaranteed by json_agg: callers sort what they need sorted."""
    parts, params, asked = [], [], []
    for name, qs in querysets.items():
        try:
            sql, qs_params = qs.query.sql_with_params()
        except EmptyResultSet:  # e.g. ``pk__in=[]``: nothing to ask
            continue
        parts.append(f"(SELECT coalesce(json_agg(t), '[]'::json)::text FROM ({sql}) t)")
        params.extend(qs_params)
        asked.append(name)
    fetched = {name: [] for name in querysets}
    if not parts:
        return fetched
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    for name, text in zip(asked, row, strict=True):
        fetched[name] = json.loads(text, parse_float=Decimal)
    return fetched


def field_names(model, prefix: str = "") -> list[str]:
    """The ``.values()`` keys of every concrete field of ``model`` (under a relation ``prefix``
    such as ``"region__"``)."""
    return [prefix + f.attname for f in model._meta.concrete_fields]


def instance(model, row: dict, prefix: str = ""):
    """The model instance of a row fetched with ``field_names(model, prefix)``; None when its
    primary key is null (an empty nullable relation)."""
    if row[prefix + model._meta.pk.attname] is None:
        return None
    fields = model._meta.concrete_fields
    values = [f.to_python(row[prefix + f.attname]) for f in fields]
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def prefetched(obj, name: str, rows: list) -> None:
    """Leave ``obj.<name>.all()`` as prefetch_related would: these rows, without a query."""
    qs = getattr(obj, name).all()
    qs._result_cache = rows
    qs._prefetch_done = True
    obj._prefetched_objects_cache = {**getattr(obj, "_prefetched_objects_cache", {}), name: qs}


def in_order(queryset):
    """``queryset`` (a catalogue) as ``.values()`` of every field and ``row_n``, its rank in the
    model's ordering as PostgreSQL sorts it (its collation for labels): json_agg keeps no order,
    and Python would sort accented or mixed-case labels differently. ``instances_in_order`` turns
    the fetched rows back into the model's instances in that order."""
    model = queryset.model
    order = [
        F(name[1:]).desc() if name.startswith("-") else F(name).asc()
        for name in model._meta.ordering or [model._meta.pk.name]
    ]
    return (
        queryset.order_by()
        .annotate(row_n=Window(RowNumber(), order_by=order))
        .values(*field_names(model), "row_n")
    )


def instances_in_order(model, rows: list[dict]) -> list:
    return [instance(model, row) for row in sorted(rows, key=lambda row: row["row_n"])]
