"""The treatments app's sections of the patient page (revere.panels).

Issue 11's budget: the panels share what they read. The visits (one query) give the body chart
its last visit; the body chart's sites and region catalogue are one statement
(``body_chart.visit_sites``); the active program, its adherence and the progress charts read one
``progress.progress_record`` (one statement). Shared through the patient object of the request.
"""


from patients.models import Patient
from revere import roles
from treatments.body_chart import visit_sites
from treatments.models import Visit
from treatments.services import progress
from treatments.services.programs import adherence

VISITS_SHOWN = 50


def _shared(patient, name, load):
    """``load()`` once per patient object (one request's page), under ``name``."""
    cache = patient.__dict__.setdefault("_treatments_panels", {})
    if name not in cache:
        cache[name] = load()
    return cache[name]


def _visits(patient):
    """The patient's visits and those signed under records merged into this one (they stay
    there), newest first, in one query."""
    rows = list(
        Visit.objects.filter(patient__in=Patient.objects.with_merged(patient))
        .select_related("practitioner", "assessment__condition")
        .order_by("-date", "-created_at")[:VISITS_SHOWN]
    )
    return (
        [v for v in rows if v.patient_id == patient.pk],
        [v for v in rows if v.patient_id != patient.pk],
        len(rows) == VISITS_SHOWN,
    )


def _progress(patient):
    return _shared(patient, "progress", lambda: progress.progress_record(patient=patient))


def visits_panel(request, patient):
    """The patient's visits, newest first, for physiotherapists and the manager."""
    if not roles.can_see_clinical(request.user):
        return None
    visits, merged_visits, _ = _shared(patient, "visits", lambda: _visits(patient))
    return (
        "treatments/_patient_visits.html",
        {
            # Issue 13: the patient's intake form, from the progress record's statement.
            "intakes": _progress(patient).intakes,
            "visits": visits,
            "merged_visits": merged_visits,
            "can_start_visit": roles.is_physio(request.user),
        },
    )


def portal_panel(request, patient):
    """Portal invitation for the front desk and physiotherapists; the program and its adherence
    only for those who may read clinical records: for them the patient's progress record (one
    statement, shared with the charts) has the active program, its exercises and the check-ins
    of the adherence window."""
    if not roles.is_clinic_staff(request.user):
        return None
    show_program = roles.can_see_clinical(request.user)
    record = _progress(patient) if show_program else None
    program = record.active_program if record else None
    return (
        "treatments/_patient_portal.html",
        {
            # patient.user comes with the patient (the page's select_related).
            "portal_active": bool(patient.user_id and patient.user.has_usable_password()),
            "show_program": show_program,
            "program": program,
            "item_count": len(program.items.all()) if program else 0,
            "adherence": adherence(patient=patient, program=program, check_ins=record.check_ins)
            if program
            else None,
        },
    )


def charts_panel(request, patient):
    """Issue 12: pain, outcome measures and adherence over time, for those who read clinical
    records."""
    if not roles.can_see_clinical(request.user):
        return None
    return (
        "treatments/_patient_charts.html",
        {"charts": progress.staff_charts(patient=patient, record=_progress(patient))},
    )


def body_chart_panel(request, patient):
    """The last visit's sites on the body chart (refused, precaution, treated, adhesion), for
    physiotherapists and the manager. The visit comes from the visits panel's query; its three
    kinds of site and the region catalogue are one statement."""
    if not roles.can_see_clinical(request.user):
        return None
    visits, _, full = _shared(patient, "visits", lambda: _visits(patient))
    if visits:
        visit = visits[0]
    elif full:  # all of the newest visits were merged ones: ask for this record's own
        visit = (
            Visit.objects.filter(patient=patient)
            .select_related("assessment", "practitioner")
            .order_by("-date", "-created_at")
            .first()
        )
    else:
        visit = None
    if visit is None:
        return None
    chart = visit_sites(visit)
    return (
        "treatments/_patient_body_chart.html",
        {
            "chart_visit": visit,
            "sites": chart.sites,
            "findings": chart.findings,
            "applications": chart.applications,
            "regions": chart.regions,
        },
    )
