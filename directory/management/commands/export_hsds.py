"""manage.py export_hsds PATH [--hub SLUG] [--json]: write the directory as HSDS 3.0."""

from django.core.management.base import BaseCommand, CommandError

from core.models import Hub
from directory.exporter import export_json, export_package

from ._progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Write the directory (or one hub's part of it) as an HSDS tabular data package: a folder with "
        "datapackage.json plus one CSV per table. With --json, write PATH as one JSON file instead: a list "
        "of fully nested services (an HSDS service package). Both import again with import_hsds."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="folder for the tabular package, or the .json file with --json")
        parser.add_argument("--hub", help="only this hub's records (slug)")
        parser.add_argument("--json", action="store_true", help="write a JSON service package")

    def handle(self, *args, path, hub=None, json=False, **options):
        hub_obj = None
        if hub:
            hub_obj = Hub.objects.filter(slug=hub).first()
            if hub_obj is None:
                raise CommandError(f"No hub with slug {hub!r}.")
        bar = ProgressBar(self.stdout)
        if json:
            n = export_json(path=path, hub=hub_obj, progress=bar)
            self.stdout.write(self.style.SUCCESS(f"Wrote {n} services to {path}."))
            return
        counts = export_package(folder=path, hub=hub_obj, progress=bar)
        self.stdout.write("")
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"Wrote {total} rows in {len(counts)} files to {path}."))
