from django.conf import settings

from revere import demo, roles


def clinic(request):
    """Clinic name and phone for every page, the signed-in user's role for the navigation, and
    the demo logins while demo mode is on."""
    user = getattr(request, "user", None)
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "role": roles.role_of(user) if user is not None else None,
        "demo_mode": settings.DEMO_MODE,
        "nav_section": nav_section(request),
        "clinic_sections": CLINIC_SECTIONS,
    }
    if settings.DEMO_MODE:
        context["demo_accounts"] = demo.DEMO_ACCOUNTS
        context["demo_password"] = demo.DEMO_PASSWORD
        context["demo_totp_secret"] = demo.DEMO_TOTP_SECRET  # second factor, issue 9
    return context


# The navigation's sections (issue 10): the link of the section a page belongs to is marked
# active and aria-current="page". By view name first, then by URL namespace.
NAV_SECTION_BY_VIEW = {
    "visits:day": "day",
    "patients:create": "register",
    "patients:archived": "archived",
    "patients:time_off_list": "time_off",
    "patients:time_off_create": "time_off",
    "patients:time_off_edit": "time_off",
    "patients:schedule": "schedule",
    "patients:schedule_week": "schedule",
    "patients:schedule_week_pick": "schedule",
    "patients:book": "schedule",
    "patients:appointment": "schedule",
    "patients:appointment_status": "schedule",
    "patients:appointment_reschedule": "schedule",
    "programs:handout": "plan",
}
NAV_SECTION_BY_NAMESPACE = {
    "patients": "patients",
    "portal": "plan",
    "portal_appointments": "appointments",
    "mfa": "security",
    "reports": "reports",
    "instruments": "cleaning",
}


# The sections in the manager's "Clinic" menu: its toggle is marked active on their pages.
CLINIC_SECTIONS = frozenset({"reports", "cleaning", "archived", "time_off", "admin"})


def nav_section(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    section = NAV_SECTION_BY_VIEW.get(match.view_name)
    if section is None and match.namespace:
        section = NAV_SECTION_BY_NAMESPACE.get(match.namespace.split(":")[0])
    if match.namespace == "programs" and not roles.is_patient_user(request.user):
        return None  # the handout opened by staff belongs to no section of theirs
    return section
