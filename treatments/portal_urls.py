from django.urls import path

from treatments import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.portal_home, name="home"),
    path("check-in/", portal_views.check_in, name="check_in"),
    path("activate/<uidb64>/<token>/", portal_views.activate, name="activate"),
    path("invitation/", portal_views.request_invite, name="request_invite"),
]
