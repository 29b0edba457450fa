"""manage.py export_hsds FOLDER [--hub SLUG]: write the directory as an HSDS tabular data package."""

from django.core.management.base import BaseCommand, CommandError

from core.models import Hub
from directory.importer import export_package

from ._progress import ProgressBar


class Command(BaseCommand):
    help = "Write the directory (or one hub's part of it) as datapackage.json plus one CSV per HSDS table."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--hub", help="only this hub's records (slug)")

    def handle(self, *args, folder, hub=None, **options):
        hub_obj = None
        if hub:
            hub_obj = Hub.objects.filter(slug=hub).first()
            if hub_obj is None:
                raise CommandError(f"No hub with slug {hub!r}.")
        counts = export_package(folder=folder, hub=hub_obj, progress=ProgressBar(self.stdout))
        self.stdout.write("")
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"Wrote {total} rows in {len(counts)} files to {folder}."))
