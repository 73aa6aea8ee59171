from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bench.sessions import cookie_header


class Command(BaseCommand):
    help = (
        "Print a Cookie header signed in as USERNAME (second factor passed): bench settings only."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not username.startswith("bench."):
            raise CommandError("Only the synthetic bench.* users of seed_scale get a session.")
        self.stdout.write(cookie_header(user)[0])
