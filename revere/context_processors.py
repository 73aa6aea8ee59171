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
    }
    if settings.DEMO_MODE:
        context["demo_accounts"] = demo.DEMO_ACCOUNTS
        context["demo_password"] = demo.DEMO_PASSWORD
        context["demo_totp_secret"] = demo.DEMO_TOTP_SECRET  # second factor, issue 9
    return context
