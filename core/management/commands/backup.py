"""Back up the whole database to one file: `manage.py backup var/backups/coproduce-2026-01-31.sqlite3`."""

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the whole database to FILE (SQLite: the backup API, safe while the "
        "app runs; PostgreSQL: pg_dump's custom format). See docs/guides/backup-and-restore.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file to write (replaced if it exists).")

    def handle(self, *args, file, **options):
        try:
            summary = backup.backup(file, progress=self.stdout.write)
        except backup.BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Backed up {summary.tables} tables, {summary.rows:,} rows of the {summary.engine} database "
            f"to {summary.path} ({summary.size})."
        )
        self.stdout.write("Keep it encrypted and off this machine: it holds health and care records.")
