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

# Second factor (issue 9): in DEMO_MODE, seed_demo gives every demo staff login an authenticator
# with this published key, so a demo can be run without a phone (`manage.py demo_code USERNAME`
# prints the current code). Never used outside DEMO_MODE: anyone can compute its codes.
DEMO_TOTP_KEY_HEX = b"revere-demo-totp-key".hex()
DEMO_TOTP_SECRET = "OJSX MZLS MUWW IZLN N4WX I33U OAWW WZLZ"  # the same key in base32
DEMO_STAFF_USERNAMES = ("manager", "physio.moreau", "physio.okafor", "frontdesk")
