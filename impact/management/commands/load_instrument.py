"""Load a licensed questionnaire definition for one hub, under that hub's own licence."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.models import Hub
from core.uploads import UnreadableFile, read_text
from impact import services

# The shipped definitions are a few kilobytes; a megabyte leaves room for a long licensed scale.
MAX_BYTES = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Load a questionnaire definition (JSON, see docs/guides/impact-and-social-value.md) for one hub. "
        "Use it for licensed scales such as SWEMWBS: their wording stays in your database, not in Coproduce."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The definition file.")
        parser.add_argument("--hub", required=True, help="The hub's slug.")
        parser.add_argument("--licence", required=True, help="Whose licence, and its reference.")

    def handle(self, *args, path: str, hub: str, licence: str, **options):
        try:
            found = Hub.objects.get(slug=hub)
        except Hub.DoesNotExist as error:
            raise CommandError(f"No hub with slug {hub}.") from error
        try:
            data = json.loads(read_text(path, max_bytes=MAX_BYTES, name=Path(path).name))
        except UnreadableFile as error:
            raise CommandError(f"Cannot read {path}: {error.message}") from error
        except ValueError as error:
            raise CommandError(f"Cannot read {path}: it is not valid JSON ({error}).") from error
        try:
            row = services.load_instrument(
                hub=found, data=data, licence_note=licence, loaded_by="load_instrument"
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Loaded {row.code} for {found.name}.")
