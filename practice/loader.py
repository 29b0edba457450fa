"""Load the case-study catalogue from practice/catalogue/*.json into CatalogueCase rows.

The files are the source of truth, kept in the repository and reviewed like code. Loading is
idempotent (update or create by slug, and cases no longer in the files are removed), so the data
migration, `manage.py load_catalogue` and the demo builder can all run it. Every file is checked
first and every problem listed; nothing is written unless all files are sound.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.uploads import UnreadableFile, read_text
from practice.frameworks import DEPTH_LABELS, PRINCIPLE_KEYS

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
SEED_FILES = frozenset(
    {
        "000_db9e6d5fd4700bd0.txt",
        "001_6768259242a79fba.txt",
        "002_9071cd5666d628a5.txt",
        "003_694a8dba0e80b449.txt",
        "004_6eb26a2cadb10eaf.txt",
    }
)
# The seeds spell some keywords two ways; the catalogue keeps one spelling of each.
KEYWORD_ALIASES = {
    "timebank": "time banking",
    "time bank": "time banking",
    "time banks": "time banking",
    "timebanking": "time banking",
    "peer-support": "peer support",
    "peer support networks": "peer support",
    "co-design": "co-design",
    "codesign": "co-design",
    "mental health and wellbeing": "mental health",
    "wellbeing": "well-being",
    "older adults": "older people",
    "young person": "young people",
    "volunteers": "volunteering",
    "social prescription": "social prescribing",
    "nhs trusts": "NHS trusts",
    "nhs": "NHS trusts",
    "black and minority ethnic communities": "black and minority ethnic (BME) communities",
    "bme": "black and minority ethnic (BME) communities",
}
REQUIRED = ("slug", "title", "source", "summary", "why")
# The largest file is about 60 KB; anything near this is a mistake, not a catalogue.
MAX_FILE_BYTES = 2 * 1024 * 1024


class CatalogueError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def normalise_keyword(word: str) -> str:
    word = " ".join(str(word).lower().replace("–", "-").split())
    return KEYWORD_ALIASES.get(word, word)


def read_cases(directory: Path = CATALOGUE_DIR) -> list[dict[str, Any]]:
    """Every case in every file, checked; raises CatalogueError listing all problems."""
    problems: list[str] = []
    cases: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(read_text(path, max_bytes=MAX_FILE_BYTES, name=path.name))
        except UnreadableFile as exc:
            problems.append(exc.message)
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}: not valid JSON ({exc})")
            continue
        if not isinstance(data, list) or not all(isinstance(case, dict) for case in data):
            problems.append(f"{path.name}: must be a list of cases, each a JSON object")
            continue
        for n, case in enumerate(data, start=1):
            where = f"{path.name} case {n} ({case.get('slug', '?')})"
            problems += [f"{where}: missing {key}" for key in REQUIRED if not case.get(key)]
            for key, value in (case.get("principles") or {}).items():
                if key not in PRINCIPLE_KEYS or value not in (0, 1, 2, 3):
                    problems.append(f"{where}: principle {key}={value!r} is not a principle rated 0-3")
            if case.get("depth") and case["depth"] not in DEPTH_LABELS:
                problems.append(f"{where}: unknown depth {case['depth']!r}")
            for f in case.get("figures") or []:
                source = f.get("source") or {}
                if not f.get("measure") or "value" not in f or not isinstance(f["value"], int | float):
                    problems.append(f"{where}: a figure needs a measure and a numeric value")
                if source.get("file") not in SEED_FILES or not isinstance(source.get("line"), int):
                    problems.append(f"{where}: figure {f.get('measure')!r} needs a source file and line")
            case["keywords"] = sorted({normalise_keyword(k) for k in case.get("keywords") or []})
            cases.append(case)
    slugs = [c.get("slug") for c in cases]
    problems += [f"slug {s} is used twice" for s in {s for s in slugs if slugs.count(s) > 1}]
    if problems:
        raise CatalogueError(problems)
    return cases


def unresolved_links(cases: list[dict[str, Any]]) -> list[str]:
    """See-also links to cases not (yet) in the catalogue; pages leave them out."""
    known = {c["slug"] for c in cases}
    return sorted({s for c in cases for s in c.get("see_also", []) if s not in known})


def _search_text(case: dict[str, Any]) -> str:
    parts = [case.get(k, "") for k in ("title", "place", "summary", "why")]
    parts += (
        case["keywords"]
        + list(case.get("ideas") or [])
        + [f.get("measure", "") for f in case.get("figures") or []]
    )
    return " ".join(parts).lower()


def load(model, directory: Path = CATALOGUE_DIR) -> tuple[int, int, int]:
    """Write the catalogue into `model` (CatalogueCase, or its historical version in a migration).
    Returns (added, updated, removed)."""
    cases = read_cases(directory)
    existing = {c.slug: c for c in model.objects.all()}
    known = {f.name for f in model._meta.get_fields()}
    added = updated = 0
    for case in cases:
        fields = {
            "title": case["title"],
            "place": case.get("place", ""),
            "source": case["source"],
            "summary": case["summary"],
            "why": case["why"],
            "keywords": case["keywords"],
            "principles": case.get("principles") or {},
            "principles_judged": case.get("principles_judged", True),
            "depth": case.get("depth") or "",
            "depth_judged": case.get("depth_judged", True),
            "figures": case.get("figures") or [],
            "see_also": case.get("see_also") or [],
            "ideas": case.get("ideas") or [],
            "search_text": _search_text(case),
        }
        # A data migration passes the model as it was then; leave out fields added since.
        fields = {k: v for k, v in fields.items() if k in known}
        row = existing.pop(case["slug"], None)
        if row is None:
            model.objects.create(slug=case["slug"], **fields)
            added += 1
        else:
            for key, value in fields.items():
                setattr(row, key, value)
            row.save()
            updated += 1
    removed = len(existing)
    if existing:
        model.objects.filter(slug__in=list(existing)).delete()
    return added, updated, removed
