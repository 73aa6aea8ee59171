from django.urls import path

from treatments import cleaning_views

app_name = "instruments"

urlpatterns = [
    path("cleaning/", cleaning_views.cleaning_log, name="cleaning"),
]
