"""Issue 13: the public booking page (no login), included at /book/."""

from django.urls import path

from patients.views import online

app_name = "online"

urlpatterns = [
    path("", online.book, name="book"),
    path("confirm/<uuid:hold_uuid>/", online.confirm, name="confirm"),
    path("done/<str:token>/", online.done, name="done"),
]
