from django.urls import path

from treatments import views

app_name = "visits"

urlpatterns = [
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
        "<uuid:visit_uuid>/treatment/applications/<int:application_id>/remove/",
        views.application_remove,
        name="application_remove",
    ),
    path("<uuid:visit_uuid>/review/", views.review_step, name="review"),
    path("<uuid:visit_uuid>/sign/", views.visit_sign, name="sign"),
    path("<uuid:visit_uuid>/addenda/", views.addendum_add, name="addendum_add"),
]
