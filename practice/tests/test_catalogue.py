"""The case-study catalogue: every figure is checked against the line of the seed it cites, the files
load, and the catalogue can be searched and filtered."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from practice import queries
from practice.frameworks import PRINCIPLE_KEYS
from practice.loader import CatalogueError, load, normalise_keyword, read_cases, unresolved_links
from practice.models import CatalogueCase
from practice.queries import CatalogueFilters, PrincipleScore

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
CASES = read_cases()


def number_forms(value) -> list[str]:
    """How a figure's number may be written on the line: 5.75, 1200 or 1,200, 30 as 30."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    forms = [text]
    if isinstance(value, int) and value >= 1000:
        forms.append(f"{value:,}")
    if isinstance(value, float):
        forms.append(f"{value:.2f}")  # 2.5 is printed as 2.50
    return forms


FIGURES = [(c["slug"], f) for c in CASES for f in c.get("figures", [])]


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seed documents are not at {SEEDS} (../shared/seeds)")
@pytest.mark.parametrize(("slug", "figure"), FIGURES, ids=[f"{s}:{f['measure'][:30]}" for s, f in FIGURES])
def test_each_figure_is_on_the_seed_line_it_cites(slug, figure):
    source = figure["source"]
    lines = (SEEDS / source["file"]).read_text(encoding="utf-8").splitlines()
    assert 1 <= source["line"] <= len(lines), (
        f"{slug}: line {source['line']} is past the end of {source['file']}"
    )
    line = lines[source["line"] - 1]
    # Numbers are matched whole: 30 must not match inside 330.
    found = any(
        re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", line) for form in number_forms(figure["value"])
    )
    assert found, f"{slug}: {figure['value']} is not on {source['file']} line {source['line']}: {line[:200]}"


def test_every_figure_has_a_measure_unit_and_source():
    assert FIGURES, "the catalogue has no figures"
    for slug, figure in FIGURES:
        assert figure["measure"] and "unit" in figure and "period" in figure, slug
        assert set(figure["source"]) == {"file", "line"}, slug


def test_cases_have_plain_text_and_known_principles_and_depths():
    for case in CASES:
        assert set(case["principles"]) <= set(PRINCIPLE_KEYS), case["slug"]
        assert case["depth"] in ("", "descriptive", "intermediate", "transformative"), case["slug"]
        assert "<" not in case["summary"] and len(case["summary"]) > 80, case["slug"]
        assert case["ideas"], f"{case['slug']} suggests no ideas for an action plan"


def test_every_see_also_link_points_at_a_case_in_the_catalogue():
    assert unresolved_links(CASES) == []
    for case in CASES:
        assert case["slug"] not in case["see_also"], f"{case['slug']} links to itself"


def test_keywords_are_merged_to_one_spelling():
    assert normalise_keyword("Timebank") == "time banking"
    assert normalise_keyword("  Time   banks ") == "time banking"
    assert normalise_keyword("Peer Support") == "peer support"
    keywords = {k for c in CASES for k in c["keywords"]}
    assert "timebank" not in keywords and "time bank" not in keywords


def write(tmp_path, cases) -> Path:
    (tmp_path / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    return tmp_path


GOOD = {
    "slug": "demo-case",
    "title": "A demo case",
    "source": "test",
    "summary": "A summary.",
    "why": "Because.",
    "keywords": ["Timebank"],
    "principles": {"networks": 3},
    "figures": [
        {
            "measure": "m",
            "value": 5,
            "unit": "",
            "period": "",
            "source": {"file": "000_db9e6d5fd4700bd0.txt", "line": 1},
        }
    ],
    "see_also": ["not-yet-written"],
}


def test_the_loader_lists_every_problem_and_writes_nothing(tmp_path, db):
    bad = [
        GOOD | {"principles": {"kindness": 2}},
        GOOD | {"depth": "deep", "figures": [{"measure": "m", "value": "lots", "source": {"file": "x.txt"}}]},
        {"slug": "demo-case"},
    ]
    before = CatalogueCase.objects.count()
    with pytest.raises(CatalogueError) as error:
        load(CatalogueCase, write(tmp_path, bad))
    text = "\n".join(error.value.problems)
    for expected in (
        "kindness",
        "unknown depth",
        "numeric value",
        "needs a source",
        "missing title",
        "used twice",
    ):
        assert expected in text
    assert CatalogueCase.objects.count() == before


def test_loading_again_updates_and_removes_and_keeps_unresolved_links_out_of_pages(tmp_path, db):
    directory = write(tmp_path, [GOOD])
    # The migration loaded the real catalogue; this directory replaces it with one case.
    assert load(CatalogueCase, directory) == (1, 0, len(CASES))
    assert list(CatalogueCase.objects.values_list("slug", flat=True)) == ["demo-case"]
    assert CatalogueCase.objects.get().keywords == ["time banking"]
    write(tmp_path, [GOOD | {"title": "Renamed"}])
    assert load(CatalogueCase, directory) == (0, 1, 0)
    assert unresolved_links(read_cases(directory)) == ["not-yet-written"]
    case, see_also = queries.case_with_links("demo-case")
    assert case.title == "Renamed" and see_also == []


def test_the_migration_loaded_the_catalogue_and_the_command_reloads_it(db, capsys):
    assert CatalogueCase.objects.count() == len(CASES)
    call_command("load_catalogue")
    assert f"0 added, {len(CASES)} updated, 0 removed" in capsys.readouterr().out


@pytest.mark.django_db
def test_search_filters_by_words_keyword_principle_and_depth():
    slugs = lambda **f: [c.slug for c in queries.search_catalogue(CatalogueFilters(**f))]  # noqa: E731
    assert "sun" in slugs(text="crisis")
    assert "sun" in slugs(text="CRISIS plans")
    assert slugs(text="zzzz nothing") == []
    assert "sun" in slugs(keyword="self-help groups")
    assert "ruils" not in slugs(keyword="self-help groups")
    assert "comas-recovery-coaching" in slugs(depth="transformative")
    assert "sun" not in slugs(depth="transformative")
    strong = [CatalogueCase.objects.get(slug=s).principles["networks"] for s in slugs(principle="networks")]
    # Only cases at least "developing" in the principle, strongest first.
    assert strong and min(strong) >= 2 and strong == sorted(strong, reverse=True)
    assert "self-help groups" in queries.all_keywords()


@pytest.mark.django_db
def test_recommended_cases_are_strongest_in_the_weakest_principles():
    weakest = [
        PrincipleScore("networks", "Networks", 0.1, 0.2),
        PrincipleScore("mutuality", "Mutuality", 0.2, 0.3),
    ]

    def strength(case):
        return case.principles.get("networks", 0) + case.principles.get("mutuality", 0)

    cases = queries.recommended_cases(weakest, limit=3)
    assert len(cases) == 3
    left_out = [c for c in CatalogueCase.objects.all() if c not in cases]
    assert min(strength(c) for c in cases) >= max(strength(c) for c in left_out)
    assert [strength(c) for c in cases] == sorted((strength(c) for c in cases), reverse=True)
    assert queries.recommended_cases([]) == []
