from django.urls import path

from mfa import views

app_name = "mfa"

urlpatterns = [
    path("", views.security, name="security"),
    path("verify/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("backup-codes/new/", views.backup_codes_regenerate, name="backup_codes_regenerate"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:pk>/reset/", views.staff_reset, name="staff_reset"),
]
