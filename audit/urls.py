from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("patients/<uuid:patient_uuid>/", views.patient_trail, name="patient"),
    path("patients/<uuid:patient_uuid>/export.csv", views.patient_trail_csv, name="patient_csv"),
    path("users/<int:user_id>/", views.user_trail, name="user"),
    path("users/<int:user_id>/export.csv", views.user_trail_csv, name="user_csv"),
]
