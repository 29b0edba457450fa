"""After a restore, erase again every record the erasure register lists."""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rights import services

MAX_BYTES = 20 * 1024 * 1024


def read_register(path: Path) -> list[tuple[str, int, str]]:
    """The register's entries, or CommandError naming the first problem: nothing is erased from a
    file that is not wholly valid."""
    if not path.is_file():
        raise CommandError(f"There is no file called {path.name}.")
    if path.stat().st_size > MAX_BYTES:
        limit = MAX_BYTES // 2**20
        raise CommandError(f"{path.name} is larger than an erasure register can be ({limit} MB).")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CommandError(f"{path.name} is not UTF-8 text, so it is not an erasure register.") from error
    except json.JSONDecodeError as error:
        message = f"{path.name} is not JSON (line {error.lineno}): not an erasure register."
        raise CommandError(message) from error
    if not isinstance(data, dict) or not isinstance(data.get("erasures"), list):
        raise CommandError(f'{path.name} has no "erasures" list: write it with `manage.py erasure_register`.')
    entries = []
    for n, entry in enumerate(data["erasures"], start=1):
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("hub"), str)
            and isinstance(entry.get("person"), int)
            and not isinstance(entry.get("person"), bool)
            and isinstance(entry.get("erased_on"), str)
        )
        if ok:
            try:
                datetime.date.fromisoformat(entry["erased_on"])
            except ValueError:
                ok = False
        if not ok:
            shape = '{"hub": slug, "person": number, "erased_on": "YYYY-MM-DD"}'
            raise CommandError(f"Entry {n} of {path.name} is not {shape}.")
        entries.append((entry["hub"], entry["person"], entry["erased_on"]))
    return entries


class Command(BaseCommand):
    help = (
        "Erase again every record listed in an erasure register (written by `erasure_register`), after "
        "restoring a backup made before those erasures. Records already erased are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("register", help="the erasure register file (JSON)")

    def handle(self, *args, register, **options):
        entries = read_register(Path(register))
        outcomes: dict[str, int] = {"erased": 0, "already erased": 0, "not found": 0}
        # All or nothing: a failure part way leaves every record as the restore left it.
        with transaction.atomic():
            for n, (hub, person, erased_on) in enumerate(entries, start=1):
                outcome = services.reapply_erasure(hub_slug=hub, person_id=person, erased_on=erased_on)
                outcomes[outcome] += 1
                if outcome == "erased":
                    self.stdout.write(f"  [{n}/{len(entries)}] record {person} in {hub}: erased again")
        self.stdout.write(
            f"{len(entries)} entries: {outcomes['erased']} erased again, "
            f"{outcomes['already erased']} already erased, {outcomes['not found']} not in this database."
        )
