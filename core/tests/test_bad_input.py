"""Every way a file gets into Coproduce, fed every kind of bad file: each is refused with a message a
person can act on, and nothing is written.

The inventory (docs/security.md repeats it):

| entry point | how | junk | text junk | oversized | Latin-1 | UTF-16 | empty |
|---|---|---|---|---|---|---|---|
| referral spreadsheet, page | support:upload | yes | yes | yes | yes | yes | yes |
| referral spreadsheet, API | POST /api/support/referrals/upload/ | yes | yes | yes | yes | yes | yes |
| time sheet | timebank:broker-time-sheet-upload | yes | yes | yes | yes | yes | yes |
| HSDS package (CSV) | manage.py import_hsds FOLDER (directory.importer) | yes | yes | yes | yes | yes | yes |
| HSDS JSON | manage.py import_hsds FILE.json (directory.importer) | yes | yes | yes | yes | yes | yes |
| postcodes | manage.py import_postcodes | yes | yes | no limit: streamed | yes | yes | yes |
| questionnaire definition | manage.py load_instrument | yes | yes | yes | yes | yes | yes |
| practice catalogue | manage.py load_catalogue (repository files) | yes | yes | yes | yes | yes | yes |

The postcode file has no size limit on purpose: the ONS Postcode Directory is over a gigabyte, and it
is read a row at a time and written in batches, so its size costs no memory.
Limits are made small here so the oversized files stay small; the real limits are named in each test id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from directory.models import Organization, Postcode, Service
from impact.models import InstrumentDefinition
from practice.models import CatalogueCase
from support.models import Referral
from timebank.models import Transfer

TEXT = "name,description\nZoë,Café on Tuesdays\n"
KINDS: dict[str, bytes] = {
    "junk": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "text-junk": b'lorem ipsum; dolor\nsit amet,,,\n"unclosed,quote\n',
    "oversized": b"",  # made per entry point, one byte over its (lowered) limit
    "latin-1": TEXT.encode("latin-1"),
    "utf-16": TEXT.encode("utf-16"),
    "empty": b"",
}
SMALL_LIMIT = 2000


@dataclass
class Entry:
    name: str
    limit: tuple[str, str] | None  # (module, attribute) holding the size limit, None if there is none
    expected: dict[str, str]  # kind -> words the refusal must contain
    count: Any  # what a refused file must leave unchanged

    def oversized(self) -> bytes:
        header = b"name,description\n"
        return header + b"x" * (SMALL_LIMIT + 1 - len(header))


def _support_service(cast):
    from support import services

    return services.create_support_service(
        actor=cast.actor("coordinator"),
        data={"name": "Local Area Coordination"},
        steps=[{"name": "Coordination", "worker_title": "Local area coordinator"}],
    )


def _page_text(response) -> str:
    return response.content.decode()


def support_page(cast, tmp_path, content: bytes) -> str:
    service = _support_service(cast)
    response = cast.client("link_worker").post(
        "/support/referrals/upload/",
        {"service": service.pk, "file": SimpleUploadedFile("referrals.csv", content, "text/csv")},
    )
    assert response.status_code == 400
    return _page_text(response)


def support_api(cast, tmp_path, content: bytes) -> str:
    service = _support_service(cast)
    response = cast.client("link_worker").post(
        "/api/support/referrals/upload/",
        {"service": service.pk, "file": SimpleUploadedFile("referrals.csv", content, "text/csv")},
    )
    assert response.status_code == 400
    return response.content.decode("unicode_escape")


def time_sheet(cast, tmp_path, content: bytes) -> str:
    from timebank import services

    services.join(actor=cast.actor("broker"), person=cast.member)
    response = cast.client("broker").post(
        "/timebank/broker/time-sheet/upload/",
        {"sheet": SimpleUploadedFile("sheet.csv", content, content_type="text/csv"), "override_reason": ""},
    )
    assert response.status_code == 200
    return _page_text(response)


def _command_error(*args) -> str:
    with pytest.raises(CommandError) as refused:
        call_command(*args)
    return str(refused.value)


def _hsds_problems(cast, path) -> str:
    from directory.importer import ImportRejected, import_hsds
    from directory.services import system_actor

    with pytest.raises(ImportRejected) as refused:
        import_hsds(actor=system_actor(cast.hub), path=path)
    return "\n".join(str(p) for p in refused.value.problems)


def hsds_package(cast, tmp_path, content: bytes) -> str:
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "services.csv").write_bytes(content)
    return _hsds_problems(cast, folder)


def hsds_json(cast, tmp_path, content: bytes) -> str:
    path = tmp_path / "services.json"
    path.write_bytes(content)
    return _hsds_problems(cast, path)


def postcodes(cast, tmp_path, content: bytes) -> str:
    path = tmp_path / "onspd.csv"
    path.write_bytes(content)
    return _command_error("import_postcodes", str(path))


def instrument(cast, tmp_path, content: bytes) -> str:
    path = tmp_path / "scale.json"
    path.write_bytes(content)
    return _command_error("load_instrument", str(path), "--hub", cast.hub.slug, "--licence", "Licence 1")


def catalogue(cast, tmp_path, content: bytes) -> str:
    from practice.loader import CatalogueError, load

    (tmp_path / "cases.json").write_bytes(content)
    with pytest.raises(CatalogueError) as refused:
        load(CatalogueCase, tmp_path)
    return "\n".join(refused.value.problems)


NOT_CSV = "The file is not a CSV we can read."
ENTRIES = {
    support_page: Entry(
        "referral spreadsheet (page), 2 MB",
        ("support.importer", "MAX_BYTES"),
        {
            "junk": "is not a text file",
            "text-junk": "The columns are not the ones we expect",
            "oversized": "The file is too large.",
            "latin-1": "is not UTF-8 text (byte 0xeb",
            "utf-16": "is UTF-16 text",
            "empty": "The submitted file is empty.",
        },
        lambda: Referral.objects.count(),
    ),
    support_api: Entry(
        "referral spreadsheet (API), 2 MB",
        ("support.importer", "MAX_BYTES"),
        {
            "junk": NOT_CSV,
            "text-junk": "The columns are not the ones we expect",
            "oversized": "The file is too large.",
            "latin-1": "is not UTF-8 text (byte 0xeb",
            "utf-16": "is UTF-16 text",
            "empty": "The submitted file is empty.",
        },
        lambda: Referral.objects.count(),
    ),
    time_sheet: Entry(
        "time sheet, 1 MB",
        ("timebank.broker_forms", "CSV_MAX_BYTES"),
        {
            "junk": "not UTF-8",
            "text-junk": "The first line must name the columns",
            "oversized": "The file is larger than 1 MB",
            "latin-1": "not UTF-8",
            "utf-16": "not UTF-8",
            "empty": "The submitted file is empty",
        },
        lambda: Transfer.objects.count(),
    ),
    hsds_package: Entry(
        "HSDS package, 200 MB a file",
        ("directory.importer", "MAX_FILE_BYTES"),
        {
            "junk": "not UTF-8 text (byte 0x89",
            "text-junk": "not a field of the HSDS service table",
            "oversized": "the limit is",
            "latin-1": "not UTF-8 text (byte 0xeb",
            "utf-16": "not UTF-8 text (byte 0xff",
            "empty": "the file is empty",
        },
        lambda: Service.objects.count() + Organization.objects.count(),
    ),
    hsds_json: Entry(
        "HSDS JSON, 200 MB",
        ("directory.importer", "MAX_FILE_BYTES"),
        {
            "junk": "the file is not UTF-8 text",
            "text-junk": "is not valid JSON",
            "oversized": "the limit is",
            "latin-1": "the file is not UTF-8 text",
            "utf-16": "the file is not UTF-8 text",
            "empty": "is not valid JSON",
        },
        lambda: Service.objects.count() + Organization.objects.count(),
    ),
    postcodes: Entry(
        "postcodes, streamed, no limit",
        None,
        {
            "junk": "is not UTF-8 text (byte 0x89",
            "text-junk": "has no column lat, long, pcds",
            "latin-1": "is not UTF-8 text (byte 0xeb",
            "utf-16": "is not UTF-8 text (byte 0xff",
            "empty": "has no column lat, long, pcds",
        },
        lambda: Postcode.objects.count(),
    ),
    instrument: Entry(
        "questionnaire definition, 1 MB",
        ("impact.management.commands.load_instrument", "MAX_BYTES"),
        {
            "junk": "scale.json is not a text file",
            "text-junk": "it is not valid JSON",
            "oversized": "scale.json is larger than",
            "latin-1": "scale.json is not UTF-8 text (byte 0xeb",
            "utf-16": "scale.json is UTF-16 text",
            "empty": "scale.json is empty",
        },
        lambda: InstrumentDefinition.objects.count(),
    ),
    catalogue: Entry(
        "practice catalogue, 2 MB a file",
        ("practice.loader", "MAX_FILE_BYTES"),
        {
            "junk": "cases.json is not a text file",
            "text-junk": "cases.json: not valid JSON",
            "oversized": "cases.json is larger than",
            "latin-1": "cases.json is not UTF-8 text (byte 0xeb",
            "utf-16": "cases.json is UTF-16 text",
            "empty": "cases.json is empty",
        },
        lambda: CatalogueCase.objects.count(),
    ),
}
CASES = [
    pytest.param(run, kind, id=f"{entry.name}-{kind}")
    for run, entry in ENTRIES.items()
    for kind in KINDS
    if kind in entry.expected
]


@pytest.mark.parametrize(("run", "kind"), CASES)
def test_every_upload_and_import_refuses_a_bad_file_clearly_and_writes_nothing(
    cast, tmp_path, monkeypatch, run, kind
):
    entry = ENTRIES[run]
    content = KINDS[kind]
    if kind == "oversized":
        assert entry.limit is not None
        module, attribute = entry.limit
        monkeypatch.setattr(f"{module}.{attribute}", SMALL_LIMIT)
        content = entry.oversized()
    before = entry.count()

    message = run(cast, tmp_path, content)

    assert entry.expected[kind] in message, message
    assert entry.count() == before


def test_every_entry_point_with_a_size_limit_is_tested_oversized():
    without = [entry.name for entry in ENTRIES.values() if "oversized" not in entry.expected]
    assert without == ["postcodes, streamed, no limit"]
    assert all(set(entry.expected) >= set(KINDS) - {"oversized"} for entry in ENTRIES.values())


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(monkeypatch):
    from core.uploads import UnreadableFile, read_text

    class Upload:
        size = 10 * 1024 * 1024

        def read(self, n=-1):
            raise AssertionError("a file over the limit must not be read")

    with pytest.raises(UnreadableFile, match="larger than 1 MB"):
        read_text(Upload(), max_bytes=1024 * 1024)


def test_a_utf8_byte_order_mark_is_accepted_and_dropped(tmp_path):
    from core.uploads import read_text

    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffname\nZoë\n".encode())
    assert read_text(path, max_bytes=100) == "name\nZoë\n"


# ---- exports people open in a spreadsheet: text that would run as a formula stays text -------------

EVIL_NAMES = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"]


def test_safe_cell_quotes_formula_text_and_leaves_numbers_alone():
    from core.spreadsheets import safe_cell

    assert [safe_cell(name) for name in EVIL_NAMES] == ["'" + name for name in EVIL_NAMES]
    assert [safe_cell(v) for v in (-90, 0, 2.5, "Mia", "", None, "a=b")] == [
        -90,
        0,
        2.5,
        "Mia",
        "",
        None,
        "a=b",
    ]


def test_the_time_bank_statement_csv_keeps_a_members_formula_name_inert(cast):
    import csv
    import io

    from timebank import services
    from timebank.models import Category

    broker = cast.actor("broker")
    giver = services.join(actor=broker, person=cast.member)
    receiver = services.join(actor=broker, person=cast.member2)
    exchange = services.record_exchange(
        actor=cast.actor("member"),
        giver=giver,
        receiver=receiver,
        minutes=90,
        category=Category.GARDENING,
        description="Weeding",
    )
    services.confirm_exchange(actor=cast.actor("member2"), exchange=exchange)
    client = cast.client("member2")
    for name in EVIL_NAMES[:4]:
        giver.name = name  # the name statements show, set from the member's name on joining
        giver.save(update_fields=["name"])
        body = client.get("/timebank/statement/csv/").content.decode()
        rows = list(csv.reader(io.StringIO(body)))
        [line] = [row for row in rows if len(row) > 4 and row[3] == "Weeding"]
        assert line[4] == "'" + name
        assert line[5] == "-90"  # a negative number stays a number, unquoted
        risky = [c for row in rows for c in row if c.startswith(("=", "+", "-", "@"))]
        assert all(c.removeprefix("-").isdigit() for c in risky), risky  # only negative numbers
    # The other side of the same exchange.
    receiver.name = EVIL_NAMES[2]
    receiver.save(update_fields=["name"])
    rows = list(
        csv.reader(io.StringIO(cast.client("member").get("/timebank/statement/csv/").content.decode()))
    )
    [line] = [row for row in rows if len(row) > 4 and row[3] == "Weeding"]
    assert line[4] == "'-2+3" and line[5] == "90"


def test_the_impact_workbook_stores_formula_text_as_text_and_numbers_as_numbers():
    import io

    from openpyxl import Workbook, load_workbook

    from core.spreadsheets import safe_xlsx_cell
    from impact.exports import spreadsheet
    from impact.presenting import Section, Table

    rows = [[name, "12"] for name in EVIL_NAMES]
    section = Section(
        key="a", heading="=Outcomes", intro="@intro", tables=[Table("+caption", ["-h", "People"], rows)]
    )
    book = load_workbook(io.BytesIO(spreadsheet(title="=title", period="-2025", sections=[section])))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type == "s" for c in cells)
    texts = {c.value for c in cells}
    # (An .xlsx file keeps a carriage return as a line break, so "\r=1" comes back as "'\n=1".)
    assert {"'" + name for name in EVIL_NAMES[:5]} <= texts
    assert {"'=title", "'-2025", "'=Outcomes", "'@intro", "'+caption", "'-h"} <= texts
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in texts)

    # A cell given a number (as code writing numbers does) keeps it as a number, negative or not;
    # control characters an .xlsx cannot hold are dropped instead of breaking the export.
    sheet = Workbook().active
    sheet.append([safe_xlsx_cell(-90), safe_xlsx_cell(2.5), safe_xlsx_cell("=1+1"), safe_xlsx_cell("Mo\x01")])
    assert [c.data_type for c in sheet[1]] == ["n", "n", "s", "s"]
    assert [c.value for c in sheet[1]] == [-90, 2.5, "'=1+1", "Mo"]


def test_the_referral_template_has_only_plain_column_names(cast):
    from core.spreadsheets import FORMULA_STARTS

    body = cast.client("link_worker").get("/support/referrals/upload/template.csv").content.decode()
    assert body.startswith("full_name,") and not any(c.startswith(FORMULA_STARTS) for c in body.split(","))
