"""The patient's intake form before the first visit (issue 13), opened from the link in the
booking confirmation email (``revere.intake_links``) or from the portal (portal_urls), and the
submitted form's page for the clinic."""

from django.urls import path

from treatments import intake_views

app_name = "intake"

urlpatterns = [
    path("record/<uuid:intake_uuid>/", intake_views.intake_detail, name="detail"),
    path("<str:token>/", intake_views.intake_form, name="form"),
]
