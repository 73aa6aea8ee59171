"""A follow-up visit (issue 12): whether the patient was seen before, and each outcome measure's
progress against the baseline (first score) and the last score, with the measure's minimal
clinically important difference (MCID) where the catalogue knows it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from treatments.models import OutcomeMeasure, OutcomeScore, Visit
from treatments.services.visits import _num


def _earlier(visit: Visit) -> Q:
    """The patient's visits before this one (by day, then by when they were opened)."""
    return Q(visit__patient_id=visit.patient_id) & (
        Q(visit__date__lt=visit.date)
        | Q(visit__date=visit.date, visit__created_at__lt=visit.created_at)
    )


def is_follow_up(visit: Visit) -> bool:
    """A second or later visit of the patient: the assessment step is a short re-assessment."""
    return (
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


def score_progress(visit: Visit, now: dict) -> list[ScoreProgress]:
    """Each measure scored in an earlier visit: its baseline (the first score), the last score
    before this visit, and ``now`` (measure code -> today's value, or None). One query."""
    earlier = (
        OutcomeScore.objects.filter(_earlier(visit))
        .select_related("measure", "visit")
        .order_by("measure_id", "visit__date", "visit__created_at")
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
