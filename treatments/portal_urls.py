from django.urls import path

from treatments import intake_views, portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.portal_home, name="home"),
    path("check-in/", portal_views.check_in, name="check_in"),
    path("intake/", intake_views.portal_intake, name="intake"),  # issue 13
    path("activate/<uidb64>/<token>/", portal_views.activate, name="activate"),
    path("invitation/", portal_views.request_invite, name="request_invite"),
]
