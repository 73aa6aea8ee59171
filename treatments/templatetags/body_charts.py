"""{% body_chart_picker %} on the visit steps and {% body_chart_record %} on the record pages.

Each tag reads the region catalogue itself (one query), so the step views stay as they were,
unless the caller passes it (the patient page reads it with the visit's sites)."""

from django import template

from treatments.body_chart import (
    CHART_WIDTH,
    RecordMarks,
    marked_shapes,
    record_marks,
    silhouette,
)
from treatments.models import BodyRegion

register = template.Library()

PICKER_ROLES = {"sites": "checkbox", "screening": "checkbox", "application": "button"}


def _svg(shapes, height, *, uid, interactive, role="", label=""):
    return {
        "uid": uid,
        "shapes": shapes,
        "width": CHART_WIDTH,
        "height": height,
        "silhouette": silhouette(),
        "interactive": interactive,
        "role": role,
        "label": label,
    }


@register.inclusion_tag("treatments/_body_chart_picker.html")
def body_chart_picker(mode, *, prefix="sites", items=(), refused=(), applications=(), regions=None):
    """The chart that fills the form's region and side fields (static/js/body_chart.js).

    ``mode``: "sites" (the assessment's adhesion rows, formset ``prefix``), "screening" (the
    local items of ``items``, then the "other sites" formset ``prefix``) or "application" (the
    application form's region and side; ``refused`` findings are marked and cannot be chosen,
    ``applications`` already recorded are marked with their numbers). ``regions``: the
    catalogue when the view read it already; otherwise one query."""
    if mode not in PICKER_ROLES:
        raise template.TemplateSyntaxError(f"body_chart_picker: unknown mode {mode!r}")
    marks = (
        record_marks(findings=refused, applications=applications)
        if mode == "application"
        else RecordMarks()
    )
    shapes, height = marked_shapes(
        BodyRegion.objects.all() if regions is None else regions, marks, disable_refused=True
    )
    return {
        "mode": mode,
        "prefix": prefix,
        "items": [item for item in items if item.is_local],
        "svg": _svg(
            shapes,
            height,
            uid=f"bc-{mode}",
            interactive=True,
            role=PICKER_ROLES[mode],
            label="Body chart: choose sites",
        ),
    }


@register.inclusion_tag("treatments/_body_chart_record.html")
def body_chart_record(
    *, sites=(), screening=None, findings=None, applications=(), uid="bcr", regions=None
):
    """The visit's sites on the chart, each mark also in words beside it: the ``findings`` given,
    or those of ``screening`` (prefetched by the review step). ``regions``: the catalogue when
    the caller read it already (the patient page); otherwise one query."""
    if findings is None:
        findings = screening.findings.all() if screening is not None else ()
    marks = record_marks(sites=sites, findings=findings, applications=applications)
    shapes, height = marked_shapes(BodyRegion.objects.all() if regions is None else regions, marks)
    return {
        "marks": marks,
        "uid": uid,
        "svg": _svg(
            shapes,
            height,
            uid=uid,
            interactive=False,
            label="Body chart of the visit, front and back; the marked sites are listed beside it",
        ),
    }
