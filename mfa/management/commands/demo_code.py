"""`manage.py demo_code USERNAME`: a demo staff login's current sign-in code (DEMO_MODE only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from mfa import services
from revere import demo


class Command(BaseCommand):
    help = "Print the current 6-digit code of a demo staff login (only in DEMO_MODE)."

    def add_arguments(self, parser):
        parser.add_argument("username", choices=demo.DEMO_STAFF_USERNAMES)

    def handle(self, *args, username, **options):
        if not settings.DEMO_MODE:
            raise CommandError("demo_code works only with DEMO_MODE on.")
        user = get_user_model().objects.filter(username=username).first()
        device = services.confirmed_totp(user) if user else None
        if device is None or device.key != demo.DEMO_TOTP_KEY_HEX:
            raise CommandError(
                f"{username} has no demo authenticator: run `manage.py seed_demo` in DEMO_MODE."
            )
        self.stdout.write(services.current_code(device))
        self.stderr.write("Valid for up to 30 seconds; each code signs in once.")
