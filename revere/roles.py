"""Who is who. Roles are Django groups (created by a data migration); the manager is staff.

Every predicate caches the user's group names on the user object, so a page asks the database
once however many times the templates and views check a role.
"""

PHYSIOTHERAPIST = "physiotherapist"
FRONT_DESK = "front_desk"
PATIENT = "patient"
MANAGER = "manager"  # not a group: is_staff users with the Django admin

ROLE_GROUPS = (PHYSIOTHERAPIST, FRONT_DESK, PATIENT)


def _group_names(user) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_revere_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._revere_group_names = cached
    return cached


def is_manager(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def is_physio(user) -> bool:
    return PHYSIOTHERAPIST in _group_names(user)


def is_front_desk(user) -> bool:
    return FRONT_DESK in _group_names(user)


def is_patient_user(user) -> bool:
    """A portal user: in the patient group and no staff role at all."""
    return (
        PATIENT in _group_names(user)
        and not is_manager(user)
        and not is_physio(user)
        and not is_front_desk(user)
    )


def is_clinic_staff(user) -> bool:
    """Physiotherapists, front desk and the manager: the people who work with patient records."""
    return is_manager(user) or is_physio(user) or is_front_desk(user)


def can_see_clinical(user) -> bool:
    """Clinical notes: physiotherapists read and write, the manager reads."""
    return is_physio(user) or is_manager(user)


def role_of(user) -> str | None:
    """The one role that decides the user's home page and navigation."""
    if is_physio(user):
        return PHYSIOTHERAPIST
    if is_front_desk(user):
        return FRONT_DESK
    if is_manager(user):
        return MANAGER
    if is_patient_user(user):
        return PATIENT
    return None
