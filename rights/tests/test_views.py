"""The pages: everything held, the download, correction and erasure requests, the staff's list."""

from __future__ import annotations

import io
import zipfile

import pytest

from core.models import AuditEvent
from people.models import Person
from rights.models import RightsRequest


def test_a_member_reaches_everything_held_from_their_record(cast):
    client = cast.client("member")
    record = client.get("/me/")
    assert f'href="/rights/people/{cast.member.pk}/"' in record.content.decode()
    response = client.get("/rights/me/", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Everything we hold about you" in page
    assert "Your profile" in page
    assert f'action="/rights/people/{cast.member.pk}/download/"' in page
    assert f'href="/people/{cast.member.pk}/edit/"' in page
    assert AuditEvent.objects.filter(person=cast.member, summary="Opened everything held").exists()


def test_staff_who_manage_people_reach_it_from_the_persons_page(cast):
    page = cast.client("link_worker").get(f"/people/{cast.member.pk}/").content.decode()
    assert f'href="/rights/people/{cast.member.pk}/"' in page
    broker_page = cast.client("broker").get(f"/people/{cast.member.pk}/").content.decode()
    assert "/rights/people/" not in broker_page


@pytest.mark.parametrize(("who", "status"), [("member2", 403), ("broker", 403), ("outsider", 404)])
def test_others_may_not_open_a_members_rights(cast, who, status):
    client = cast.client(who)
    assert client.get(f"/rights/people/{cast.member.pk}/").status_code == status
    assert client.post(f"/rights/people/{cast.member.pk}/download/").status_code == status
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).exists()


def test_the_download_is_a_zip_sent_only_on_post(cast):
    client = cast.client("member")
    url = f"/rights/people/{cast.member.pk}/download/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "record.json" in names and ("record.pdf" in names or "record.html" in names)


def test_a_correction_request_is_sent_and_a_link_worker_completes_it(cast):
    client = cast.client("member")
    url = f"/rights/people/{cast.member.pk}/correction/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"detail": ""})
    assert "There is a problem" in response.content.decode()
    response = client.post(url, {"detail": "My postcode is LS2 7AB"})
    request = RightsRequest.objects.get(person=cast.member)
    assert response.headers["Location"] == f"/rights/requests/{request.pk}/"
    assert client.post(f"/rights/requests/{request.pk}/complete/", {"outcome": "x"}).status_code == 403
    staff = cast.client("link_worker")
    assert "Mark as done" in staff.get(f"/rights/requests/{request.pk}/").content.decode()
    staff.post(f"/rights/requests/{request.pk}/complete/", {"outcome": "Postcode corrected"})
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.DONE
    assert "Postcode corrected" in client.get(f"/rights/requests/{request.pk}/").content.decode()


def test_an_erasure_is_asked_for_confirmed_and_carried_out(cast):
    client = cast.client("member")
    page = client.get(f"/rights/people/{cast.member.pk}/erasure/").content.decode()
    assert "time-bank ledger" in page  # what is kept, and why
    client.post(f"/rights/people/{cast.member.pk}/erasure/", {"detail": ""})
    request = RightsRequest.objects.get(person=cast.member, kind="erasure")
    assert cast.client("link_worker").get(f"/rights/requests/{request.pk}/erase/").status_code == 403
    coordinator = cast.client("coordinator")
    url = f"/rights/requests/{request.pk}/erase/"
    confirm = coordinator.get(url).content.decode()
    assert "What will be kept" in confirm and "audit log" in confirm
    response = coordinator.post(url, {})
    assert "There is a problem" in response.content.decode()
    assert Person.objects.get(pk=cast.member.pk).full_name == "Mo Member"
    response = coordinator.post(url, {"confirm": ["yes"]})
    assert response.status_code == 302
    assert Person.objects.get(pk=cast.member.pk).full_name == f"Erased member {cast.member.pk}"
    page = coordinator.get(f"/rights/people/{cast.member.pk}/").content.decode()
    assert "This record has been erased" in page


def test_the_confirmation_page_says_what_blocks_an_erasure(cast):
    from people import services as people_services

    request = RightsRequest.objects.create(
        hub=cast.hub, person=cast.member, kind="erasure", requested_by_label="Mo Member"
    )
    people_services.set_roles(actor=cast.actor("administrator"), person=cast.member, roles={"broker"})
    page = cast.client("coordinator").get(f"/rights/requests/{request.pk}/erase/").content.decode()
    assert "cannot be erased yet" in page and "staff role (Time-bank broker)" in page
    assert 'type="checkbox"' not in page


def test_another_hubs_request_is_not_found(cast):
    request = RightsRequest.objects.create(
        hub=cast.other_hub, person=cast.other_member, kind="erasure", requested_by_label="Nina"
    )
    client = cast.client("coordinator")
    assert client.get(f"/rights/requests/{request.pk}/").status_code == 404
    assert client.get(f"/rights/requests/{request.pk}/erase/").status_code == 404
    assert client.post(f"/rights/requests/{request.pk}/erase/", {"confirm": ["yes"]}).status_code == 404
    assert Person.objects.get(pk=cast.other_member.pk).full_name == "Nina Northgate"


def test_the_staff_list_shows_waiting_requests_oldest_first(cast):
    RightsRequest.objects.create(hub=cast.hub, person=cast.member, kind="erasure", requested_by_label="Mo")
    RightsRequest.objects.create(
        hub=cast.other_hub, person=cast.other_member, kind="erasure", requested_by_label="N"
    )
    page = cast.client("coordinator").get("/rights/requests/").content.decode()
    assert "Mo Member" in page and "Nina" not in page
    assert cast.client("member").get("/rights/requests/").status_code == 403
    assert cast.client("broker").get("/rights/requests/").status_code == 403


def test_the_member_withdraws_a_request_from_its_page(cast):
    request = RightsRequest.objects.create(
        hub=cast.hub, person=cast.member, kind="erasure", requested_by_label="Mo"
    )
    client = cast.client("member")
    assert "Withdraw the request" in client.get(f"/rights/requests/{request.pk}/").content.decode()
    client.post(f"/rights/requests/{request.pk}/withdraw/")
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.WITHDRAWN
