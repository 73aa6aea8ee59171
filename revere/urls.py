from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from revere import forms, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=forms.LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Accounts (issue 9): the rate-limited password reset and the idle keepalive, before Django's.
    path("accounts/", include("accounts.urls")),
    path("accounts/mfa/", include("mfa.urls")),  # second factor (issue 9)
    path("accounts/", include("django.contrib.auth.urls")),
    path("patients/", include("patients.urls")),
    path("visits/", include("treatments.urls")),
    path("programs/", include("treatments.program_urls")),
    path("portal/appointments/", include("patients.portal_urls")),
    path("portal/", include("treatments.portal_urls")),
    # Issue 9: the manager's audit-trail pages.
    path("audit/", include("audit.urls")),
    # Issue 12: the manager's reports and the instrument cleaning log.
    path("reports/", include("reports.urls")),
    path("instruments/", include("treatments.instrument_urls")),
    # Issue 13: the intake form before the first visit (link in the booking confirmation).
    path("intake/", include("treatments.intake_urls")),
    # Issue 13: the public online booking page (no login).
    path("book/", include("patients.online_urls")),
    path("admin/", admin.site.urls),
]

# Second factor (issue 9): the admin refuses any user without a verified second factor, even if
# mfa.middleware were bypassed; its own login form then asks for the code too.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Revere clinic administration"
admin.site.site_title = "Revere admin"

# Issue 9: a database outage raised outside a view (e.g. in the session middleware) is a 503 too.
handler500 = "revere.views.server_error"
