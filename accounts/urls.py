"""Included at /accounts/ before django.contrib.auth.urls, so the names stay unnamespaced
(`password_reset` replaces Django's own view)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("keepalive/", views.keepalive, name="keepalive"),
]
