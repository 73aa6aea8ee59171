from django.db.models import Q

from revere import roles
from treatments.models import (
    AdhesionSite,
    Application,
    HomeProgram,
    ScreeningFinding,
    Visit,
)
from treatments.services.programs import adherence


def visits_panel(request, patient):
    """The patient's visits, newest first, for physiotherapists and the manager."""
    if not roles.can_see_clinical(request.user):
        return None
    # One query with the visits signed under records merged into this one (they stay there).
    rows = (
        Visit.objects.filter(Q(patient=patient) | Q(patient__merged_into=patient))
        .select_related("practitioner", "assessment__condition")
        .order_by("-date", "-created_at")[:50]
    )
    visits = [v for v in rows if v.patient_id == patient.pk]
    merged_visits = [v for v in rows if v.patient_id != patient.pk]
    return (
        "treatments/_patient_visits.html",
        {
            "visits": visits,
            "merged_visits": merged_visits,
            "can_start_visit": roles.is_physio(request.user),
        },
    )


def portal_panel(request, patient):
    """Portal invitation for the front desk and physiotherapists; the program and its adherence
    only for those who may read clinical records."""
    if not roles.is_clinic_staff(request.user):
        return None
    show_program = roles.can_see_clinical(request.user)
    program = HomeProgram.objects.active_for(patient) if show_program else None
    return (
        "treatments/_patient_portal.html",
        {
            "portal_active": bool(patient.user_id and patient.user.has_usable_password()),
            "show_program": show_program,
            "program": program,
            "adherence": adherence(patient=patient) if program else None,
        },
    )


def body_chart_panel(request, patient):
    """The last visit's sites on the body chart (refused, precaution, treated, adhesion), for
    physiotherapists and the manager. A fixed number of queries: the visit, its three kinds of
    site, and the region catalogue (in the template tag)."""
    if not roles.can_see_clinical(request.user):
        return None
    visit = (
        Visit.objects.filter(patient=patient)
        .select_related("assessment", "practitioner")
        .order_by("-date", "-created_at")
        .first()
    )
    if visit is None:
        return None
    assessment = getattr(visit, "assessment", None)
    sites = (
        AdhesionSite.objects.filter(assessment=assessment).select_related("region")
        if assessment is not None
        else []
    )
    findings = ScreeningFinding.objects.filter(screening__visit=visit).select_related(
        "contraindication", "region"
    )
    applications = Application.objects.filter(session__visit=visit).select_related(
        "region", "instrument", "stroke"
    )
    return (
        "treatments/_patient_body_chart.html",
        {
            "chart_visit": visit,
            "sites": sites,
            "findings": findings,
            "applications": applications,
        },
    )
