from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Clinical records"

    def ready(self):
        from revere.panels import register_patient_panel
        from treatments.panels import body_chart_panel, portal_panel, visits_panel

        register_patient_panel(visits_panel)
        register_patient_panel(body_chart_panel)
        register_patient_panel(portal_panel)
