"""The body chart: a schematic body, front and back, drawn as SVG by the templates from the shapes
made here, one shape per catalogue region (and per side where the region is sided).

Two uses:
- the picker on the assessment, screening and treatment steps: each shape is a focusable
  checkbox (or button) that static/js/body_chart.js keeps in step with the form's own region and
  side fields, so the POST is the one the dropdowns make;
- the record (review, printed record, patient page): the visit's refused, precaution, treated
  and adhesion sites marked on the shapes, each by a pattern or a number as well as a colour, and
  listed in words beside the chart.

The catalogue is manager-editable: a region this module has no drawing for still gets a shape, a
labelled box in an "other regions" strip under the two views.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from treatments.models import (
    AdhesionSite,
    Application,
    BodyRegion,
    Contraindication,
    Instrument,
    ScreeningFinding,
    Side,
    StrokeTechnique,
)
from treatments.services.combined import (
    fetch_together,
    field_names,
    in_order,
    instance,
    instances_in_order,
)

VIEW_WIDTH = 200
BACK_OFFSET = 230
CHART_WIDTH = BACK_OFFSET + VIEW_WIDTH
BODY_HEIGHT = 450

FRONT, BACK = "front", "back"

# Where each reference region is drawn: (view, x, y, width, height) for the shape on the viewer's
# left of its view. A sided region's other side is its mirror image. On the front view the
# viewer's left is the patient's right; on the back view it is the patient's left.
GEOMETRY = {
    "neck": (BACK, 88, 56, 24, 16),
    "upper_back": (BACK, 68, 76, 64, 66),
    "lower_back": (BACK, 70, 144, 60, 48),
    "shoulder": (FRONT, 42, 70, 30, 24),
    "upper_arm": (FRONT, 40, 96, 24, 52),
    "elbow_lateral": (BACK, 40, 150, 24, 18),
    "elbow_medial": (FRONT, 40, 150, 24, 18),
    "forearm": (FRONT, 38, 170, 24, 54),
    "wrist_hand": (FRONT, 36, 226, 26, 36),
    "hip_gluteal": (BACK, 67, 196, 31, 40),
    "thigh_anterior": (FRONT, 67, 214, 31, 86),
    "thigh_posterior": (BACK, 67, 238, 31, 64),
    "knee": (FRONT, 68, 302, 29, 28),
    "calf": (BACK, 68, 332, 29, 54),
    "achilles": (BACK, 75, 388, 15, 22),
    "ankle": (FRONT, 70, 404, 25, 16),
    "foot_plantar": (BACK, 68, 414, 29, 24),
}

# The outline under the shapes (decoration): head, neck, torso, arms and legs, viewer's left.
SILHOUETTE_CIRCLES = [(100, 38, 18)]
SILHOUETTE_RECTS = [
    (91, 54, 18, 16, 4, False),  # neck
    (64, 68, 72, 144, 14, False),  # torso
    (38, 72, 28, 192, 12, True),  # arm
    (66, 206, 33, 234, 12, True),  # leg
]

# The "other regions" strip: boxes under the views for regions without a drawing.
EXTRA_TOP = BODY_HEIGHT + 10
EXTRA_WIDTH, EXTRA_HEIGHT, EXTRA_GAP, EXTRA_COLUMNS = 136, 24, 11, 3

MARK_FILLS = {"refused": "refused", "precaution": "precaution", "treated": "treated"}


def site_label(region, side: str) -> str:
    """ "Forearm (left)", "Neck (midline)": as the record's other pages name a site."""
    return f"{region.label} ({Side(side).label.lower()})"


def shape_sides(region) -> list[str]:
    return [Side.LEFT, Side.RIGHT] if region.sided else [Side.MIDLINE]


def covered_sides(side: str) -> list[str]:
    """The shapes a recorded side marks: "both" is the left and the right one."""
    return [Side.LEFT, Side.RIGHT] if side == Side.BOTH else [side]


@dataclass
class Shape:
    code: str
    side: str
    label: str
    x: float
    y: float
    width: float
    height: float
    view: str
    text: str = ""
    # Filled in for the record and for the treatment step's picker.
    mark: str = ""
    adhesion: bool = False
    numbers: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    disabled: bool = False

    @property
    def element_id(self) -> str:
        return f"{self.code}-{self.side}"

    @property
    def title(self) -> str:
        return "; ".join([self.label, *self.notes])

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def cy(self) -> float:
        return round(self.y + self.height / 2, 1)

    @property
    def text_x(self) -> float:
        return self.x + 4

    @property
    def text_y(self) -> float:
        return self.y + 16

    @property
    def number_text(self) -> str:
        return ",".join(str(n) for n in self.numbers)

    @property
    def rx(self) -> int:
        return 4 if self.view == "other" else 8


def _placed(view, x, side, width, *, sided) -> float:
    """The x of a shape in the whole chart: mirrored for the viewer's right, shifted for the back
    view."""
    on_viewer_left = not sided or side == (Side.RIGHT if view == FRONT else Side.LEFT)
    if sided and not on_viewer_left:
        x = VIEW_WIDTH - x - width
    return x + (BACK_OFFSET if view == BACK else 0)


def chart_shapes(regions) -> tuple[list[Shape], int]:
    """One shape per region (per side where sided), in catalogue order, and the chart's height."""
    shapes, extras = [], 0
    for region in regions:
        for side in shape_sides(region):
            label = site_label(region, side)
            if region.code in GEOMETRY:
                view, x, y, width, height = GEOMETRY[region.code]
                x = _placed(view, x, side, width, sided=region.sided)
                shapes.append(Shape(region.code, side, label, x, y, width, height, view))
                continue
            row, column = divmod(extras, EXTRA_COLUMNS)
            extras += 1
            text = label if len(label) <= 24 else label[:23] + "…"
            shapes.append(
                Shape(
                    region.code,
                    side,
                    label,
                    column * (EXTRA_WIDTH + EXTRA_GAP),
                    EXTRA_TOP + 16 + row * (EXTRA_HEIGHT + 6),
                    EXTRA_WIDTH,
                    EXTRA_HEIGHT,
                    "other",
                    text=text,
                )
            )
    rows = -(-extras // EXTRA_COLUMNS)
    height = BODY_HEIGHT + (16 + rows * (EXTRA_HEIGHT + 6) + 10 if rows else 0)
    return shapes, height


def silhouette() -> dict:
    """The outline of both views, mirrored and shifted like the shapes."""
    circles, rects = [], []
    for offset in (0, BACK_OFFSET):
        circles += [(cx + offset, cy, r) for cx, cy, r in SILHOUETTE_CIRCLES]
        for x, y, width, height, rx, mirrored in SILHOUETTE_RECTS:
            rects.append((x + offset, y, width, height, rx))
            if mirrored:
                rects.append((VIEW_WIDTH - x - width + offset, y, width, height, rx))
    return {"circles": circles, "rects": rects}


# --- The record's marks --------------------------------------------------------------------------


@dataclass
class RecordMarks:
    """The sites of one visit in words, and per shape (code, side) what marks it."""

    refused: list[str] = field(default_factory=list)
    precautions: list[str] = field(default_factory=list)
    treated: list[str] = field(default_factory=list)
    adhesions: list[str] = field(default_factory=list)
    by_shape: dict = field(default_factory=lambda: defaultdict(list))

    def __bool__(self):
        return bool(self.refused or self.precautions or self.treated or self.adhesions)

    def _add(self, region, side, kind, note, number=None):
        for shown in covered_sides(side):
            self.by_shape[(region.pk, shown)].append((kind, note, number))


def _with_note(text: str, note: str) -> str:
    return f"{text}: {note}" if note else text


def record_marks(*, sites=(), findings=(), applications=()) -> RecordMarks:
    """The marks of a visit: adhesion sites, local screening findings (absolute ones refuse the
    site, relative ones need the precaution) and the applications, numbered in order."""
    marks = RecordMarks()
    for finding in findings:
        if finding.region is None:
            continue
        item = finding.contraindication
        where = site_label(finding.region, finding.side)
        if item.is_absolute and item.is_local:
            text = _with_note(f"{where} — {item.label}", finding.note)
            marks.refused.append(text)
            marks._add(finding.region, finding.side, "refused", f"refused: {item.label}")
        else:
            text = _with_note(f"{where} — {item.label}", finding.note)
            marks.precautions.append(text)
            marks._add(finding.region, finding.side, "precaution", f"precaution: {item.label}")
    for number, application in enumerate(applications, start=1):
        where = site_label(application.region, application.side)
        dose = f"{application.duration_seconds} s ({application.duration_display}) with "
        dose += f"{application.instrument}"
        stroke = getattr(application, "stroke", None)
        marks.treated.append(f"{number}. {where} — {dose}" + (f", {stroke}" if stroke else ""))
        marks._add(
            application.region, application.side, "treated", f"treated {number}: {dose}", number
        )
    for site in sites:
        where = site_label(site.region, site.side)
        marks.adhesions.append(_with_note(where, site.note))
        marks._add(site.region, site.side, "adhesion", _with_note("adhesion or scar", site.note))
    return marks


def marked_shapes(regions, marks: RecordMarks, *, disable_refused=False) -> tuple[list, int]:
    """The chart's shapes with the marks applied: the fill is the strongest mark (refused, then
    precaution, then treated); an adhesion site gets a dashed outline; treated shapes carry the
    applications' numbers; every mark is also in the shape's title."""
    shapes, height = chart_shapes(regions)
    strength = ["refused", "precaution", "treated"]
    for shape in shapes:
        for kind, note, number in marks.by_shape.get((shape.code, shape.side), []):
            shape.notes.append(note)
            if kind == "adhesion":
                shape.adhesion = True
                continue
            if number is not None:
                shape.numbers.append(number)
            if not shape.mark or strength.index(kind) < strength.index(shape.mark):
                shape.mark = kind
        shape.disabled = disable_refused and shape.mark == "refused"
    return shapes, height


# --- One visit's sites, read together ------------------------------------------------------------


@dataclass
class VisitSites:
    sites: list
    findings: list
    applications: list
    regions: list
    # With ``catalogues=True``: the active instruments and the stroke techniques (the treatment
    # step's application form).
    instruments: list = field(default_factory=list)
    strokes: list = field(default_factory=list)


def visit_sites(visit, *, catalogues: bool = False) -> VisitSites:
    """The visit's adhesion sites, screening findings and applications with what they name, and
    the region catalogue, in one SQL statement (the patient page's budget, issue 11); with
    ``catalogues``, the application form's instruments and strokes in the same statement (the
    treatment step's)."""
    region = field_names(BodyRegion, "region__")
    more = {}
    if catalogues:
        more = {
            "instruments": in_order(Instrument.objects.filter(active=True)),
            "strokes": in_order(StrokeTechnique.objects.all()),
        }
    rows = fetch_together(
        sites=AdhesionSite.objects.filter(assessment__visit=visit)
        .order_by()
        .values(*field_names(AdhesionSite), *region),
        findings=ScreeningFinding.objects.filter(screening__visit=visit)
        .order_by()
        .values(
            *field_names(ScreeningFinding),
            *field_names(Contraindication, "contraindication__"),
            *region,
        ),
        applications=Application.objects.filter(session__visit=visit)
        .order_by()
        .values(
            *field_names(Application),
            *region,
            *field_names(Instrument, "instrument__"),
            *field_names(StrokeTechnique, "stroke__"),
        ),
        # The catalogue's order as PostgreSQL sorts it (its collation for the labels).
        regions=in_order(BodyRegion.objects.all()),
        **more,
    )

    def build(model, row, **related):
        obj = instance(model, row)
        for name, related_model in related.items():
            setattr(obj, name, instance(related_model, row, f"{name}__"))
        return obj

    sites = [build(AdhesionSite, r, region=BodyRegion) for r in rows["sites"]]
    findings = [
        build(ScreeningFinding, r, contraindication=Contraindication, region=BodyRegion)
        for r in rows["findings"]
    ]
    applications = [
        build(Application, r, region=BodyRegion, instrument=Instrument, stroke=StrokeTechnique)
        for r in rows["applications"]
    ]
    return VisitSites(
        sorted(sites, key=lambda s: s.pk),
        sorted(findings, key=lambda f: f.pk),
        sorted(applications, key=lambda a: (a.created_at, a.pk)),
        instances_in_order(BodyRegion, rows["regions"]),
        instances_in_order(Instrument, rows.get("instruments", [])),
        instances_in_order(StrokeTechnique, rows.get("strokes", [])),
    )
