from django.urls import path

from treatments import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.portal_home, name="home"),
]
