"""The patient portal: what a patient sees of their own record when they log in."""

from django.http import Http404
from django.shortcuts import render

from patients.models import Patient
from revere.access import patient_required


def _own_patient(request) -> Patient:
    patient = Patient.objects.visible_to(request.user).first()
    if patient is None:
        # A portal login whose record is archived or not linked yet: nothing to show.
        raise Http404("No patient record is linked to this login.")
    return patient


@patient_required
def portal_home(request):
    patient = _own_patient(request)
    return render(request, "portal/home.html", {"patient": patient})
