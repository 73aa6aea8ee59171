"""The manager's reports (issue 12): one page of aggregate tables and a CSV file of each. Only the
manager sees them; the figures name no patient, so the downloads are not access-logged (the
middleware still marks them no-store)."""

import csv
import datetime

from django.http import Http404, HttpResponse
from django.shortcuts import render

from reports import selectors
from reports.filters import parse_filters
from revere.access import manager_required
from treatments.charts import Chart, Point, Series


def _visits_chart(activity, filters) -> Chart:
    """Every month of the range, those without visits at 0 (none at all: the sentence)."""
    counts = {row[0]: row[1] for row in activity.rows if row[1]}
    points, month = [], filters.start.replace(day=1)
    while counts and month <= filters.end:
        points.append(Point(month, counts.get(f"{month:%Y-%m}", 0)))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    top = max([p.value for p in points] + [1])
    return Chart(
        slug="visits-by-month",
        title="Visits by month",
        description=f"Visits in each of the {len(points)} months of the range.",
        y_label="Visits",
        y_min=0,
        y_max=max(5, -(-top // 5) * 5),
        series=[Series("Visits", points)],
        kind="bar",
        empty_message="No visits in this range.",
        x_format="%b %Y",
    )


@manager_required
def dashboard(request):
    practitioners = selectors.practitioners()
    filters = parse_filters(request.GET, practitioners)
    tables = selectors.all_tables(filters, practitioners)
    return render(
        request,
        "reports/dashboard.html",
        {
            "filters": filters,
            "practitioners": practitioners,
            "tables": tables,
            "visits_chart": _visits_chart(tables[0], filters),
            "query": filters.query(),
        },
    )


@manager_required
def table_csv(request, slug):
    practitioners = selectors.practitioners()
    filters = parse_filters(request.GET, practitioners)
    table = selectors.table(slug, filters, practitioners)
    if table is None:
        raise Http404("No such report.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"revere-{table.slug}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    if table.footer:
        writer.writerow(["" if cell is None else cell for cell in table.footer])
    return response
