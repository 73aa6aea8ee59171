from revere import roles
from treatments.models import Visit


def visits_panel(request, patient):
    """The patient's visits, newest first, for physiotherapists and the manager."""
    if not roles.can_see_clinical(request.user):
        return None
    visits = (
        Visit.objects.filter(patient=patient)
        .select_related("practitioner", "assessment__condition")
        .order_by("-date", "-created_at")[:50]
    )
    return (
        "treatments/_patient_visits.html",
        {"visits": visits, "can_start_visit": roles.is_physio(request.user)},
    )
