"""Replace the whole database with a backup made by `manage.py backup`, then check the restored data."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup in FILE. Refuses a file that is not a backup, a backup "
        "made by another version of Coproduce, and a database that already holds hubs or logins unless "
        "--force is given. Then checks references and the time-bank ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A backup written by manage.py backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds hubs or logins (back it up first).",
        )

    def handle(self, *args, file, force, **options):
        try:
            summary = backup.restore(file, force=force, progress=self.stdout.write)
            self.stdout.write(
                f"Restored {summary.tables} tables, {summary.rows:,} rows into the {summary.engine} database."
            )
            self.stdout.write("Checking the restored data: every reference points at a row…")
            backup.check_foreign_keys()
        except backup.BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write("Checking the restored data: the time-bank ledger (check_ledger)…")
        call_command("check_ledger", stdout=self.stdout)
        self.stdout.write(
            "Restore complete. Before reopening, erase again anyone erased after this backup was made: "
            "manage.py reapply_erasures <erasure register> (see docs/guides/backup-and-restore.md)."
        )
