"""Write the register of completed erasures (numbers only), to keep beside the backups."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand

from rights import queries


class Command(BaseCommand):
    help = (
        "Write every completed erasure (hub, record number, date; no personal data) as JSON, to keep "
        "beside the backups. After restoring a backup, `reapply_erasures` erases those records again."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="the file to write; '-' for standard output")

    def handle(self, *args, output, **options):
        register = queries.erasure_register()
        text = json.dumps({"erasures": register}, indent=1) + "\n"
        if output == "-":
            self.stdout.write(text, ending="")
            return
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)  # never a half-written register where the last good one was
        self.stdout.write(f"Erasure register: {len(register)} erased records written to {target.name}.")
