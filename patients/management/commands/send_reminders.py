"""Email appointment reminders with a calendar file. Run it from cron every 15 minutes or so:
each appointment is reminded once, however often (or however many copies at once) it runs."""

from django.core.management.base import BaseCommand, CommandError

from patients import services


class Command(BaseCommand):
    help = (
        "Email each patient with an email address about their booked appointments starting in "
        "the next REMINDER_HOURS (24 by default) that were not reminded yet, with an .ics file."
    )

    def handle(self, *args, **options):
        sent, failed = services.appointment_reminders_send()
        self.stdout.write(f"Reminders sent: {sent}.")
        if failed:
            # Counted, not named: the log has each appointment's id, never a patient's name.
            raise CommandError(
                f"{failed} reminder(s) could not be sent; they are retried next run."
            )
