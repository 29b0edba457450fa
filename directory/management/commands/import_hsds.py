"""manage.py import_hsds PATH [--hub SLUG]: import Open Referral HSDS 3.0 data into a hub's directory."""

from django.core.management.base import BaseCommand, CommandError

from core.models import Hub
from directory.importer import ImportRejected, import_hsds
from directory.services import system_actor

from ._progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0 data: a folder with datapackage.json and CSV files, or a JSON file (one object, a "
        "list, or an API page). Everything is checked first; a package with any problem is not written, "
        "and every problem is listed. Importing the same data again updates the same records (by id)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="folder, datapackage.json or .json file")
        parser.add_argument(
            "--hub", help="slug of the hub the records belong to (needed when there is more than one hub)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args, path, hub=None, dry_run=False, **options):
        if hub:
            hub_obj = Hub.objects.filter(slug=hub).first()
            if hub_obj is None:
                raise CommandError(f"No hub with slug {hub!r}.")
        else:
            hubs = list(Hub.objects.all()[:2])
            if len(hubs) != 1:
                raise CommandError("Say which hub the records belong to with --hub SLUG.")
            hub_obj = hubs[0]
        try:
            summary = import_hsds(
                actor=system_actor(hub_obj), path=path, progress=ProgressBar(self.stdout), dry_run=dry_run
            )
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(str(problem))
            if rejected.more:
                self.stderr.write(f"… and {rejected.more} more.")
            raise CommandError(f"{rejected.message} Nothing was written.") from None
        for warning in summary.warnings:
            self.stdout.write(f"warning: {warning}")
        if dry_run:
            self.stdout.write(self.style.SUCCESS("The package has no problems (dry run: nothing written)."))
            return
        for table, n in summary.created.items():
            if n or summary.updated.get(table):
                self.stdout.write(f"{table}: {n} added, {summary.updated.get(table, 0)} updated")
        self.stdout.write(self.style.SUCCESS(f"Imported {summary.total} records into {hub_obj.name}."))
