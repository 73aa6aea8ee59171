from django.urls import path

from patients import portal_views

app_name = "portal_appointments"

urlpatterns = [
    path("", portal_views.appointment_list, name="list"),
    path("<uuid:appointment_uuid>/cancel/", portal_views.appointment_cancel, name="cancel"),
]
