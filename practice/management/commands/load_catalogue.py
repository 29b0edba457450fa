from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from practice.loader import CatalogueError, load, read_cases, unresolved_links
from practice.models import CatalogueCase


class Command(BaseCommand):
    help = "Load the case-study catalogue from practice/catalogue/*.json (safe to run again)."

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                added, updated, removed = load(CatalogueCase)
        except CatalogueError as error:
            raise CommandError("The catalogue has problems:\n" + "\n".join(error.problems)) from None
        self.stdout.write(f"Catalogue: {added} added, {updated} updated, {removed} removed.")
        missing = unresolved_links(read_cases())
        if missing:
            self.stdout.write("See-also links to cases not in the catalogue yet: " + ", ".join(missing))
