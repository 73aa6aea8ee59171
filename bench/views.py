"""The floor: the cheapest pages the full middleware stack can serve to a signed-in user.

Every benchmarked page is reported as a ratio to these, measured in the same run, so the noise of
a shared machine (and the fixed cost of sessions, the second factor, CSP and the audit headers)
cancels out. Served only under revere.settings_bench."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_POST


@require_GET
@login_required
def floor(request):
    return HttpResponse("floor\n", content_type="text/plain")


@require_POST
@login_required
def floor_post(request):
    """CSRF-checked by the middleware like any form; writes nothing."""
    return HttpResponse("floor post\n", content_type="text/plain")
