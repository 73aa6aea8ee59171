"""Sign-in pages added by the accounts app: the rate-limited password reset, the idle-session
keepalive and the lockout page."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.ip import client_ip


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, limited per address and per IP. Past the limit the same form comes
    back with a message and nothing is sent, whether or not the address is known."""

    def form_valid(self, form):
        if services.link_requests_exhausted(
            scope="password_reset", email=form.cleaned_data["email"], ip=client_ip(self.request)
        ):
            return self.render_to_response(
                self.get_context_data(form=form, rate_limited=services.rate_limited_message()),
                status=429,
            )
        return super().form_valid(form)


@require_POST
@login_required
def keepalive(request):
    """ "Stay signed in": the session middleware has already recorded the activity. No content, and
    flagged so that page-view records can skip it."""
    request.revere_keepalive = True
    return HttpResponse(status=204)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE), in the app's look."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(
        request,
        "registration/lockout.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
