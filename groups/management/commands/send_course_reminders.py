"""Email students a reminder of course sessions coming up. Run it daily (or hourly) from cron."""

from django.core.management.base import BaseCommand

from groups import services


class Command(BaseCommand):
    help = "Email each student with a place a reminder of sessions starting within the next day."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=24, help="Remind about sessions starting within this many hours."
        )

    def handle(self, *args, hours, **options):
        result = services.send_reminders(hours_ahead=hours)
        sessions = "session" if result.sessions == 1 else "sessions"
        emails = "email" if result.emails == 1 else "emails"
        self.stdout.write(f"Reminders for {result.sessions} {sessions}: {result.emails} {emails} sent.")
