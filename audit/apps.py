from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from audit.panels import audit_trail_panel
        from revere.panels import register_patient_panel

        register_patient_panel(audit_trail_panel)
