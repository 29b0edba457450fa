"""manage.py import_postcodes CSV: load postcode centres from the ONS Postcode Directory."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from directory.services import load_postcodes


class Command(BaseCommand):
    help = (
        "Load postcode centres from an ONS Postcode Directory CSV (columns pcds, lat, long; terminated "
        "postcodes skipped). Districts get the centre of their postcodes. A small sample ships in "
        "directory/fixtures/postcodes_sample.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv")

    def handle(self, *args, csv, **options):
        def progress(n: int) -> None:
            self.stdout.write(f"\r{n} postcodes", ending="")
            self.stdout.flush()

        try:
            loaded = load_postcodes(csv, progress=progress)
        except (DomainError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Loaded {loaded} postcodes."))
