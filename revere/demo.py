"""The demo accounts that `manage.py seed_demo` creates. Synthetic people only.

Shown on the login page and printed by `make run` only while DEMO_MODE is on (it defaults to DEBUG).
"""

# Long enough and free of the clinic's name and "revere" (see accounts/validators.py).
DEMO_PASSWORD = "iastr-demo-2026"

DEMO_ACCOUNTS = (
    {"username": "manager", "role": "Manager (Django admin)"},
    {"username": "physio.moreau", "role": "Physiotherapist"},
    {"username": "physio.okafor", "role": "Physiotherapist"},
    {"username": "frontdesk", "role": "Front desk"},
    {"username": "patient.tremblay", "role": "Patient (portal)"},
    {"username": "patient.nakamura", "role": "Patient (portal)"},
    {"username": "patient.oduya", "role": "Patient (portal)"},
)
