from django.urls import path

from treatments import day_views, program_views, views

app_name = "visits"

urlpatterns = [
    path("day/", day_views.my_day, name="day"),
    path(
        "start/appointment/<uuid:appointment_uuid>/",
        day_views.start_from_appointment,
        name="start_from_appointment",
    ),
    path("start/<uuid:patient_uuid>/", views.visit_start, name="start"),
    path("<uuid:visit_uuid>/", views.visit_resume, name="resume"),
    path("<uuid:visit_uuid>/assessment/", views.assessment_step, name="assessment"),
    path("<uuid:visit_uuid>/screening/", views.screening_step, name="screening"),
    path("<uuid:visit_uuid>/treatment/", views.treatment_step, name="treatment"),
    path(
        "<uuid:visit_uuid>/treatment/applications/",
        views.application_add,
        name="application_add",
    ),
    path(
        "<uuid:visit_uuid>/treatment/applications/<int:application_id>/repeat/",
        views.application_repeat,
        name="application_repeat",
    ),
    path(
        "<uuid:visit_uuid>/treatment/applications/<int:application_id>/remove/",
        views.application_remove,
        name="application_remove",
    ),
    path("<uuid:visit_uuid>/handout/", program_views.handout_step, name="handout"),
    path("<uuid:visit_uuid>/handout/add/", program_views.program_add, name="program_add"),
    path(
        "<uuid:visit_uuid>/handout/items/<int:item_id>/<str:action>/",
        program_views.program_item_action,
        name="program_item",
    ),
    path(
        "<uuid:visit_uuid>/handout/exercises/new/", program_views.exercise_new, name="exercise_new"
    ),
    path("<uuid:visit_uuid>/review/", views.review_step, name="review"),
    path("<uuid:visit_uuid>/sign/", views.visit_sign, name="sign"),
    path("<uuid:visit_uuid>/reassign/", views.visit_reassign, name="reassign"),
    path("<uuid:visit_uuid>/addenda/", views.addendum_add, name="addendum_add"),
]
