"""Export of the directory as HSDS 3.0: a tabular data package (datapackage.json and one CSV per
table, as hsds/examples/csv) or a JSON service package (a list of fully nested services, as
hsds/schema/compiled/service_package.json). Both import again (directory.importer) to the same
records."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from core.models import Hub
from directory import hsds
from directory.hsds import TABLES, to_json_value
from directory.models import Service

Progress = Callable[[str, int, int], None]
JSON_CHUNK = 500

CSV_TYPES = {
    "uuid": "string",
    "string": "string",
    "email": "string",
    "enum": "string",
    "number": "number",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
}


def _csv_value(value) -> str:
    if value is None:
        return ""
    return str(to_json_value(value))


def export_package(*, folder, hub: Hub | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Write every table as CSV plus datapackage.json into `folder`; with `hub`, only that hub's
    organisations, services and locations and the rows that belong to them. Returns rows per file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    exported: dict[str, set] = {}
    counts: dict[str, int] = {}
    resources = []
    for table in TABLES:
        qs = table.model._default_manager.all().order_by("pk")
        if hub is not None:
            if table.hub_owned:
                qs = qs.filter(hub=hub)
            elif table.name == "attribute":
                qs = qs.filter(link_id__in=set().union(*exported.values()))
            elif table.name == "metadata":
                qs = qs.filter(resource_id__in=set().union(*exported.values()))
            else:
                # Rows hang off the hub's records; the vocabularies are shared by every hub.
                owned = [(r, t) for r, (t, _) in table.refs.items() if t not in ("taxonomy", "taxonomy_term")]
                if owned:
                    q = Q()
                    for ref, target in owned:
                        q |= Q(**{f"{table.attname(ref)}__in": exported.get(target, set())})
                    qs = qs.filter(q)
        ids = set()
        with (folder / table.file).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(list(table.fields))
            for n, obj in enumerate(qs.iterator(chunk_size=2000), start=1):
                ids.add(obj.pk)
                writer.writerow([_csv_value(getattr(obj, table.attname(f))) for f in table.fields])
                if progress and n % 5000 == 0:
                    progress(table.file, n, 0)
        exported[table.name] = ids
        counts[table.file] = len(ids)
        resources.append(
            {
                "name": table.name,
                "path": table.file,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": f, "type": CSV_TYPES[k], **({"format": "uuid"} if k == "uuid" else {})}
                        for f, k in table.fields.items()
                    ],
                    "primaryKey": "id",
                },
            }
        )
    descriptor = {
        "name": "coproduce-directory",
        "title": "Coproduce community directory (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "created": to_json_value(timezone.now()),
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return counts


def export_json(*, path, hub: Hub | None = None, progress: Progress | None = None) -> int:
    """Write the services (with `hub`, that hub's own) as one JSON list of fully nested HSDS services,
    as GET /services/{id} returns them: organisation, places, times, costs, contacts, categories and
    metadata included. Returns how many services were written."""
    qs = Service.objects.order_by("pk")
    if hub is not None:
        qs = qs.filter(hub=hub)
    ids = list(qs.values_list("pk", flat=True))
    table = hsds.BY_NAME["service"]
    paths = hsds.prefetch_paths(hsds.SERVICE_FULL)
    with Path(path).open("w", encoding="utf-8") as handle:
        handle.write("[")
        for start in range(0, len(ids), JSON_CHUNK):
            chunk = ids[start : start + JSON_CHUNK]
            objs = {o.pk: o for o in Service.objects.filter(pk__in=chunk).prefetch_related(*paths)}
            for n, item in enumerate(hsds.serialize([objs[i] for i in chunk], table, hsds.SERVICE_FULL)):
                handle.write(",\n" if start or n else "\n")
                handle.write(json.dumps(item, ensure_ascii=False))
            if progress:
                progress(Path(path).name, min(start + JSON_CHUNK, len(ids)), len(ids))
        handle.write("\n]\n")
    return len(ids)
