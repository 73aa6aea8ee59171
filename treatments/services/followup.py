"""A follow-up visit (issue 12): whether the patient was seen before, and each outcome measure's
progress against the baseline (first score) and the last score, with the measure's minimal
clinically important difference (MCID) where the catalogue knows it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from treatments.models import (
    AdhesionSite,
    BodyRegion,
    Condition,
    OutcomeMeasure,
    OutcomeScore,
    Visit,
)
from treatments.services.combined import (
    fetch_together,
    field_names,
    in_order,
    instance,
    instances_in_order,
)
from treatments.services.visits import _num


def _earlier(visit: Visit) -> Q:
    """The patient's visits before this one (by day, then by when they were opened)."""
    return Q(visit__patient_id=visit.patient_id) & (
        Q(visit__date__lt=visit.date)
        | Q(visit__date=visit.date, visit__created_at__lt=visit.created_at)
    )


def is_follow_up(visit: Visit) -> bool:
    """A second or later visit of the patient: the assessment step is a short re-assessment."""
    return (  # the same as AssessmentReads.follow_up
        Visit.objects.filter(patient_id=visit.patient_id)
        .filter(Q(date__lt=visit.date) | Q(date=visit.date, created_at__lt=visit.created_at))
        .exists()
    )


@dataclass
class ScoreProgress:
    measure: OutcomeMeasure
    baseline: OutcomeScore
    last: OutcomeScore
    now: Decimal | None

    def _words(self, reference: Decimal) -> str:
        if self.now is None:
            return "Not scored today."
        change = self.now - reference
        if change == 0:
            return "No change."
        better = (change < 0) == (self.measure.better == "lower")
        words = f"{'Better' if better else 'Worse'} by {_num(abs(change))}"
        mcid = self.measure.mcid
        if mcid is None:
            return words + " (MCID not known for this measure)."
        important = abs(change) >= mcid
        return (
            f"{words} (MCID {_num(mcid)}): "
            f"{'clinically important' if important else 'below the MCID'}."
        )

    @property
    def since_baseline(self) -> str:
        return self._words(self.baseline.value)

    @property
    def since_last(self) -> str:
        return self._words(self.last.value)


def score_progress(visit: Visit, now: dict, *, earlier=None) -> list[ScoreProgress]:
    """Each measure scored in an earlier visit: its baseline (the first score), the last score
    before this visit, and ``now`` (measure code -> today's value, or None). One query, none
    when given the ``earlier`` scores (``AssessmentReads.earlier``)."""
    if earlier is None:
        earlier = (
            OutcomeScore.objects.filter(_earlier(visit))
            .select_related("measure", "visit")
            .order_by(*EARLIER_ORDER)
        )
    first, last = {}, {}
    for score in earlier:
        first.setdefault(score.measure_id, score)
        last[score.measure_id] = score
    return [
        ScoreProgress(measure=score.measure, baseline=score, last=last[code], now=now.get(code))
        for code, score in first.items()
    ]


def earlier_measure_codes(visit: Visit) -> set[str]:
    return set(OutcomeScore.objects.filter(_earlier(visit)).values_list("measure_id", flat=True))


EARLIER_ORDER = ("measure_id", "visit__date", "visit__created_at")


@dataclass
class AssessmentReads:
    """What the assessment step shows beyond the visit's own row, read in one statement
    (issue 11): this visit's scores and adhesion sites, the catalogues its form offers (regions,
    conditions, measures and which measures each condition suggests), whether the patient was
    seen before, and their earlier scores with their measures and visits."""

    scored: dict  # measure code -> this visit's value
    sites: list  # the adhesion-site rows' initial values
    regions: list
    conditions: list
    measures: dict  # code -> OutcomeMeasure, in the catalogue's order
    condition_measures: dict  # condition code -> set of measure codes
    follow_up: bool
    earlier: list  # OutcomeScore with .measure and .visit, in EARLIER_ORDER

    @property
    def earlier_codes(self) -> set[str]:
        return {score.measure_id for score in self.earlier}


def assessment_reads(visit: Visit) -> AssessmentReads:
    earlier_visit = Q(date__lt=visit.date) | Q(date=visit.date, created_at__lt=visit.created_at)
    measure_links = Condition.measures.through.objects.order_by()
    rows = fetch_together(
        scores=OutcomeScore.objects.filter(visit=visit).order_by().values("measure_id", "value"),
        sites=AdhesionSite.objects.filter(assessment__visit=visit)
        .order_by()
        .values("id", "region_id", "side", "note"),
        regions=in_order(BodyRegion.objects.all()),
        conditions=in_order(Condition.objects.all()),
        measures=in_order(OutcomeMeasure.objects.all()),
        measure_links=measure_links.values("condition_id", "outcomemeasure_id"),
        earlier_visit=Visit.objects.filter(earlier_visit, patient_id=visit.patient_id)
        .order_by()
        .values("id")[:1],
        earlier=OutcomeScore.objects.filter(_earlier(visit))
        .order_by()
        .annotate(row_n=Window(RowNumber(), order_by=[F(name).asc() for name in EARLIER_ORDER]))
        .values(*field_names(OutcomeScore), *field_names(Visit, "visit__"), "row_n"),
    )
    measures = {m.code: m for m in instances_in_order(OutcomeMeasure, rows["measures"])}
    links: dict[str, set[str]] = {}
    for row in rows["measure_links"]:
        links.setdefault(row["condition_id"], set()).add(row["outcomemeasure_id"])
    earlier = []
    for row in sorted(rows["earlier"], key=lambda row: row["row_n"]):
        score = instance(OutcomeScore, row)
        score.visit = instance(Visit, row, "visit__")
        score.measure = measures[score.measure_id]
        earlier.append(score)
    return AssessmentReads(
        scored={
            row["measure_id"]: OutcomeScore._meta.get_field("value").to_python(row["value"])
            for row in rows["scores"]
        },
        sites=[
            {"region": row["region_id"], "side": row["side"], "note": row["note"]}
            for row in sorted(rows["sites"], key=lambda row: row["id"])
        ],
        regions=instances_in_order(BodyRegion, rows["regions"]),
        conditions=instances_in_order(Condition, rows["conditions"]),
        measures=measures,
        condition_measures=links,
        follow_up=bool(rows["earlier_visit"]),
        earlier=earlier,
    )
