from django.urls import path

from patients import portal_views

app_name = "portal_appointments"

urlpatterns = [
    path("", portal_views.appointment_list, name="list"),
    path("<uuid:appointment_uuid>/cancel/", portal_views.appointment_cancel, name="cancel"),
    # Issue 13: the portal's own booking and rescheduling.
    path("book/", portal_views.appointment_book, name="book"),
    path(
        "<uuid:appointment_uuid>/reschedule/",
        portal_views.appointment_reschedule,
        name="reschedule",
    ),
]
