"""The manager's link from the patient page to the patient's audit trail."""

from revere import roles


def audit_trail_panel(request, patient):
    if not roles.is_manager(request.user):
        return None
    return "audit/_patient_panel.html", {}
