"""Sections that other apps add to the patient page, so `patients` never imports `treatments`.

An app registers a function ``panel(request, patient) -> (template_name, context) | None`` in its
AppConfig.ready(); the patient page renders each panel that returns something.
"""

from django.template.loader import render_to_string

_patient_panels = []


def register_patient_panel(panel):
    _patient_panels.append(panel)
    return panel


def patient_panels(request, patient) -> list[str]:
    """The HTML of each panel the signed-in user may see, in registration order."""
    rendered = []
    for panel in _patient_panels:
        result = panel(request, patient)
        if result is not None:
            template_name, context = result
            rendered.append(
                render_to_string(template_name, {**context, "patient": patient}, request=request)
            )
    return rendered
