"""Delete online booking holds whose minutes have passed (issue 13). The public pages do it too
at each request; run this from cron (every few minutes) so that nothing typed in an abandoned
request stays in the database longer than its hold, even when nobody visits the page."""

from django.core.management.base import BaseCommand

from patients.services.online_booking import online_holds_expire


class Command(BaseCommand):
    help = "Delete expired online booking holds (the name, phone and email typed with them)."

    def handle(self, *args, **options):
        deleted = online_holds_expire()
        self.stdout.write(f"Expired online holds deleted: {deleted}.")
