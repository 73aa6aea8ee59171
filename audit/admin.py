"""The admin side of the access log: a mixin for the ModelAdmins of patient and clinical records
that logs each view of a change page."""

from audit.services import access_log


class AccessLoggedAdmin:
    """Logs every GET of the change page that shows a record. ``audit_patient(obj)`` says whose
    record it is (the default: the object's ``patient``, or the object itself if it is one)."""

    def audit_patient(self, obj):
        from patients.models import Patient

        if isinstance(obj, Patient):
            return obj
        return getattr(obj, "patient", None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and response.status_code == 200 and obj is not None:
            access_log(request=request, obj=obj, patient=self.audit_patient(obj))
        return response
