"""The patient's intake form before the first visit (issue 13), opened from the link in the
booking confirmation email (``revere.intake_links``) or from the portal."""

from django.http import Http404
from django.urls import path

app_name = "intake"


def intake_form(request, token):
    # Placeholder until the intake form lands; the link's shape is fixed by revere.intake_links.
    raise Http404


urlpatterns = [
    path("<str:token>/", intake_form, name="form"),
]
