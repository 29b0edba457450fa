import pytest
from django.core.exceptions import PermissionDenied

from support import importer
from support.models import Referral

HEADER = ",".join(
    ["full_name", "date_of_birth", "postcode", "source", "reasons", "urgency"]
    + ["referrer_name", "referrer_email", "consent_to_report_back"]
)


def csv_of(*rows, header=HEADER):
    return "\r\n".join([header, *rows]) + "\r\n"


GOOD = [
    "Ann Able,1950-01-02,LS1 4AP,gp,isolation;low_mood,routine,Dr Rory,rory@example.org,yes",
    "Ben Bold,03/04/1961,RV1 2AB,nurse,money,urgent,Nurse Nia,,no",
]


def test_a_good_file_adds_every_referral(cast, live_well):
    referrals = importer.import_referrals(
        actor=cast.actor("link_worker"), service=live_well, content=csv_of(*GOOD).encode()
    )
    assert [r.full_name for r in referrals] == ["Ann Able", "Ben Bold"]
    ben = referrals[1]
    assert ben.channel == Referral.Channel.UPLOAD
    assert str(ben.date_of_birth) == "1961-04-03"
    assert ben.reasons == ["money"] and ben.urgency == "urgent" and ben.consent_to_report_back is False
    assert referrals[0].reasons == ["isolation", "low_mood"]


def test_a_spreadsheets_byte_order_mark_and_header_spacing_are_accepted(cast, live_well):
    content = ("\ufeff" + csv_of(*GOOD, header=HEADER.replace("full_name", "Full Name"))).encode()
    assert (
        len(importer.import_referrals(actor=cast.actor("link_worker"), service=live_well, content=content))
        == 2
    )


def test_wrong_columns_are_named_and_nothing_is_written(cast, live_well):
    with pytest.raises(importer.ImportRejected) as exc:
        importer.import_referrals(
            actor=cast.actor("link_worker"),
            service=live_well,
            content=csv_of("a,b,c", header="name,dob,colour"),
        )
    assert "columns" in exc.value.message
    assert any("Unknown columns: name, dob, colour" in p for p in exc.value.problems)
    assert any("Missing columns: full_name, source, reasons" in p for p in exc.value.problems)
    assert not Referral.objects.exists()


def test_a_bad_row_names_its_line_and_field_and_nothing_is_written(cast, live_well):
    content = csv_of(
        GOOD[0],
        "",  # a blank line still counts in the numbering people see
        "Cy Calm,31/02/1970,LS1 4AP,gp,isolation,routine,Dr R,,yes",
        "Di Dee,1970-01-01,nowhere,dentist,boredom,routine,Dr R,,yes",
    )
    with pytest.raises(importer.ImportRejected) as exc:
        importer.import_referrals(actor=cast.actor("link_worker"), service=live_well, content=content)
    problems = exc.value.problems
    assert exc.value.message == "2 rows need changing; nothing was added."
    assert problems[0].startswith("Line 4: date_of_birth: Date of birth must be a real date")
    assert (
        problems[1].startswith("Line 5:")
        and "postcode" in problems[1]
        and "source" in problems[1]
        and "reasons" in problems[1]
    )
    assert not Referral.objects.exists()


def test_ten_thousand_rows_of_junk_are_refused_at_once(cast, live_well):
    junk = csv_of(*(["x,y,z,w,v,u,t,s,r"] * 10_000))
    with pytest.raises(importer.ImportRejected) as exc:
        importer.import_referrals(actor=cast.actor("link_worker"), service=live_well, content=junk.encode())
    assert "too many rows" in exc.value.message
    assert exc.value.problems == [
        f"Upload at most {importer.MAX_ROWS} referrals at once; split the file and upload each part."
    ]
    assert not Referral.objects.exists()


def test_hundreds_of_junk_rows_list_the_first_problems_and_how_many_more(cast, live_well):
    junk = csv_of(*(["x,y,z,w,v,u,t,s,yes"] * 300))
    with pytest.raises(importer.ImportRejected) as exc:
        importer.import_referrals(actor=cast.actor("link_worker"), service=live_well, content=junk.encode())
    assert exc.value.message == "300 rows need changing; nothing was added."
    assert len(exc.value.problems) == importer.MAX_PROBLEMS + 1
    assert exc.value.problems[-1] == f"…and {300 - importer.MAX_PROBLEMS} more."
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"\xff\xfe\x00junk", "The file is not a CSV we can read."),
        (HEADER.encode() + b"\r\n", "The file has no referrals in it."),
        (csv_of("Ann,1950-01-01,LS1 4AP,gp,isolation").encode(), "1 row need changing; nothing was added."),
        (csv_of(GOOD[0].replace(",yes", ",perhaps")).encode(), "1 row need changing; nothing was added."),
        (b"x" * (importer.MAX_BYTES + 1), "The file is too large."),
    ],
)
def test_unreadable_files_get_a_clear_message(cast, live_well, content, message):
    with pytest.raises(importer.ImportRejected) as exc:
        importer.import_referrals(actor=cast.actor("link_worker"), service=live_well, content=content)
    assert exc.value.message == message
    assert exc.value.field_errors["file"]
    assert not Referral.objects.exists()


def test_a_short_row_names_its_line(cast, live_well):
    with pytest.raises(importer.ImportRejected) as exc:
        importer.parse(csv_of("Ann,1950-01-01"))
    assert exc.value.problems == ["Line 2: has 2 cells; the header has 9."]


@pytest.mark.parametrize("name", ["referrer", "member", "commissioner", "administrator", "peer"])
def test_only_the_support_team_uploads(cast, live_well, name):
    with pytest.raises(PermissionDenied):
        importer.import_referrals(actor=cast.actor(name), service=live_well, content=csv_of(*GOOD))
    assert not Referral.objects.exists()


def test_the_template_has_every_column():
    assert importer.template_csv().strip().split(",") == list(importer.COLUMNS)
