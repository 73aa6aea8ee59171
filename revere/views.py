import sys

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views import defaults

from revere import roles
from revere.middleware import is_outage, outage_response


@login_required
def home(request):
    """Send each role to its own start page."""
    user = request.user
    if roles.is_physio(user):
        # A physiotherapist starts on their own day: today's appointments and their visits.
        return redirect("visits:day")
    if roles.role_of(user) in (roles.FRONT_DESK, roles.MANAGER):
        # The front desk and the manager start the day on the schedule.
        return redirect("patients:schedule")
    if roles.is_clinic_staff(user):
        return redirect("patients:list")
    if roles.is_patient_user(user):
        return redirect("portal:home")
    # Signed in but without a role yet (an account the manager has not finished setting up).
    return render(request, "no_role.html", status=403)


def server_error(request):
    """handler500: an unreachable database is a 503 with the outage page, whichever layer raised
    it (see revere.middleware.DatabaseOutageMiddleware); anything else is Django's 500 page."""
    exc = sys.exc_info()[1]
    if is_outage(exc):
        return outage_response(request, exc)
    return defaults.server_error(request)
