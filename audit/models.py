"""The audit trail's own tables.

- ``AccessLog``: one row per view of a clinical record, a handout, a patient page or an admin
  change page: who, which record, when, from where. Append-only: a trigger written in plain SQL
  (migration 0002) refuses UPDATE and DELETE, so pgtrigger's ignore switch cannot turn it off.
  It stores ids only: no names, no dates of birth.
- The history (django-pghistory) of Django's own ``auth.User`` and of the user-group
  memberships, tracked through proxy models so the migrations live here and not in
  django.contrib.auth. The password hash and the last login are not copied into the history.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone

from revere.history import track_changes

USER_AGENT_LENGTH = 200
PATH_LENGTH = 500


class AccessLog(models.Model):
    at = models.DateTimeField(default=timezone.now, editable=False)
    # PROTECT: a user who opened records is deactivated, never deleted, so the trail keeps them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # The record opened, as "app_label.model" and its primary key (or UUID where it has one).
    model = models.CharField(max_length=100, editable=False)
    object_id = models.CharField(max_length=64, editable=False)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # The URL path without its query string: paths hold UUIDs only, never names.
    path = models.CharField(max_length=PATH_LENGTH, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    user_agent = models.CharField(max_length=USER_AGENT_LENGTH, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "at"], name="accesslog_patient_at_idx"),
            models.Index(fields=["user", "at"], name="accesslog_user_at_idx"),
        ]

    def __str__(self):
        return f"{self.model} {self.object_id} opened at {self.at:%Y-%m-%d %H:%M}"


@track_changes(exclude=["password", "last_login"], model_name="UserEvent")
class TrackedUser(User):
    """Django's user, tracked: accounts created, renamed, made staff, deactivated, deleted."""

    class Meta:
        proxy = True


@track_changes(obj_field=None, model_name="UserGroupEvent")
class UserGroupMembership(User.groups.through):
    """A user put in or taken out of a role group (physiotherapist, front desk, patient)."""

    class Meta:
        proxy = True
