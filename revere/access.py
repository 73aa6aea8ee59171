"""View decorators for role-based access.

Anonymous visitors are sent to the login page. A signed-in user without the role gets a 404, not a
403: a page they may not see should not confirm that it exists.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import Resolver404, resolve

from revere import roles


def role_required(*predicates):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(predicate(user) for predicate in predicates):
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(roles.is_clinic_staff)
manager_required = role_required(roles.is_manager)
patient_required = role_required(roles.is_patient_user)
physio_required = role_required(roles.is_physio)
clinical_reader_required = role_required(roles.can_see_clinical)


# Pages for people who are not signed in, which anyone holding the link may open (issue 13's
# intake form, opened from an email on whatever browser is at hand): the second-factor check does
# not send a half-signed-in session away from them, and an expired session is ended without
# sending the visitor to the login page.
PUBLIC_VIEWS = frozenset({"intake:form"})


def is_public_path(path: str) -> bool:
    try:
        return resolve(path).view_name in PUBLIC_VIEWS
    except Resolver404:
        return False
