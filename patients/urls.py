from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("archived/", views.archived_list, name="archived"),
    path("<uuid:patient_uuid>/", views.patient_detail, name="detail"),
    path("<uuid:patient_uuid>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_uuid>/archive/", views.patient_archive, name="archive"),
    path("<uuid:patient_uuid>/restore/", views.patient_restore, name="restore"),
    path("<uuid:patient_uuid>/merge/", views.patient_merge, name="merge"),
    path(  # issue 13
        "<uuid:patient_uuid>/duplicates-checked/",
        views.duplicates_checked,
        name="duplicates_checked",
    ),
    # The schedule and booking.
    path("schedule/", views.schedule_day, name="schedule"),
    path("schedule/week/", views.schedule_week_pick, name="schedule_week_pick"),
    path("schedule/week/<int:practitioner_id>/", views.schedule_week, name="schedule_week"),
    path("appointments/book/", views.appointment_book, name="book"),
    path("appointments/<uuid:appointment_uuid>/", views.appointment_detail, name="appointment"),
    path(
        "appointments/<uuid:appointment_uuid>/status/",
        views.appointment_status,
        name="appointment_status",
    ),
    path(  # issue 10
        "appointments/<uuid:appointment_uuid>/reschedule/",
        views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    # Issue 10: the manager's time off, which lists the appointments it would cover.
    path("time-off/", views.time_off_list, name="time_off_list"),
    path("time-off/new/", views.time_off_create, name="time_off_create"),
    path("time-off/<int:time_off_id>/", views.time_off_edit, name="time_off_edit"),
]
