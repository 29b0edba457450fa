"""Write docs/authorization-matrix.md from the table in core/access_matrix.py."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.access_matrix import counts, render_markdown

DOC = Path(settings.BASE_DIR) / "docs" / "authorization-matrix.md"


class Command(BaseCommand):
    help = "Write docs/authorization-matrix.md from core/access_matrix.py (every role × every route)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the file differs; write nothing.")

    def handle(self, *args, check, **options):
        text = render_markdown()
        if check:
            if not DOC.exists() or DOC.read_text() != text:
                raise SystemExit(
                    "docs/authorization-matrix.md is out of date: run manage.py render_access_matrix"
                )
            return
        DOC.write_text(text)
        figures = counts()
        self.stdout.write(
            f"Wrote {DOC.name}: {figures['routes']} routes, {figures['subjects']} columns, "
            f"{figures['cells']} cells and {figures['other_hub_cells']} other-hub cells."
        )
