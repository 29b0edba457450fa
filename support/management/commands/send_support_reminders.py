"""Email workers about follow-ups coming due (run daily, from cron or a scheduler)."""

from django.core.management.base import BaseCommand

from support.services import send_follow_up_reminders


class Command(BaseCommand):
    help = "Email each worker about follow-ups due within the next week that nobody has been reminded of."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days-ahead", type=int, default=7, help="Remind this many days before (default 7)."
        )

    def handle(self, *args, days_ahead, **options):
        sent = send_follow_up_reminders(days_ahead=days_ahead)
        self.stdout.write(f"Sent {sent} follow-up reminder{'' if sent == 1 else 's'}.")
