"""Email each digest subscriber the offers and requests posted since their last digest (run weekly)."""

from django.core.management.base import BaseCommand

from timebank.services import send_digests


class Command(BaseCommand):
    help = "Send the weekly email of new offers and requests to everyone who opted in."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"Sent {sent} digest email{'' if sent == 1 else 's'}.")
