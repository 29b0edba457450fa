"""Page tests for community groups and volunteering."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups import services
from groups.models import Group, GroupMeeting, GroupMembership, NominatedIssue, VolunteerApplication


def make_group(cast, name="Riverside walkers", lead=None):
    return services.create_group(
        actor=cast.actor("coordinator"), name=name, kind=Group.Kind.WALKING, lead=lead or cast.member
    )


def test_members_see_groups_and_join_and_leave(cast):
    group = make_group(cast)
    client = cast.client("member2")
    page = client.get("/groups/")
    assert page.status_code == 200 and b"Riverside walkers" in page.content
    assert client.post(f"/groups/{group.pk}/join/").status_code == 302
    assert GroupMembership.objects.filter(person=cast.member2, left_at__isnull=True).exists()
    client.post(f"/groups/{group.pk}/join/", {"leave": "1"})
    assert not GroupMembership.objects.filter(person=cast.member2, left_at__isnull=True).exists()
    assert cast.client("commissioner").post(f"/groups/{group.pk}/join/").status_code == 403
    assert cast.client("outsider").get(f"/groups/{group.pk}/").status_code == 404


def test_only_the_lead_and_coordinators_see_members_and_count_heads(cast):
    group = make_group(cast)
    day = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
    assert cast.client("member2").get(f"/groups/{group.pk}/").context["members"] is None
    assert (
        cast.client("member2").post(f"/groups/{group.pk}/", {"day": day, "starts": "10:00"}).status_code
        == 403
    )
    lead = cast.client("member")
    assert [p.full_name for p in lead.get(f"/groups/{group.pk}/").context["members"]] == ["Mo Member"]
    assert (
        lead.post(f"/groups/{group.pk}/", {"day": day, "starts": "10:00", "attended": "9"}).status_code == 302
    )
    meeting = GroupMeeting.objects.get()
    assert meeting.attended == 9
    lead.post(f"/groups/meetings/{meeting.pk}/count/", {"attended": "11"})
    assert GroupMeeting.objects.get().attended == 11
    lead.post(f"/groups/meetings/{meeting.pk}/count/", {"attended": "lots"})
    assert GroupMeeting.objects.get().attended == 11


def test_counting_heads_for_a_meeting_still_to_come_is_refused_on_the_page(cast):
    group = make_group(cast)
    day = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    response = cast.client("member").post(
        f"/groups/{group.pk}/", {"day": day, "starts": "10:00", "attended": "5"}
    )
    assert response.status_code == 400 and b"once the meeting has started" in response.content
    assert not GroupMeeting.objects.exists()


def test_the_group_list_costs_the_same_for_2_or_8_groups(cast):
    client = cast.client("member")

    def count():
        client.get("/groups/")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/groups/")
        return len(ctx)

    for i in range(2):
        make_group(cast, name=f"Group {i}")
    few = count()
    for i in range(2, 8):
        make_group(cast, name=f"Group {i}")
    assert count() == few


def test_a_member_applies_a_coordinator_decides_and_volunteers_nominate_issues(cast):
    role = services.create_volunteer_role(actor=cast.actor("coordinator"), title="Café helper")
    member = cast.client("member")
    assert member.get("/volunteering/").status_code == 200
    member.post(f"/volunteering/roles/{role.pk}/apply/", {"why": "I like cooking"})
    application = VolunteerApplication.objects.get()
    assert application.why == "I like cooking"
    assert (
        member.post(f"/volunteering/applications/{application.pk}/decide/", {"accept": "yes"}).status_code
        == 403
    )
    coordinator = cast.client("coordinator")
    page = coordinator.get("/volunteering/")
    assert list(page.context["applications"]) == [application]
    coordinator.post(f"/volunteering/applications/{application.pk}/decide/", {"accept": "yes"})
    assert VolunteerApplication.objects.get().status == "accepted"
    assert member.post("/volunteering/issues/", {"text": "Parking"}).status_code == 403
    cast.client("volunteer").post("/volunteering/issues/", {"text": "Lone working"})
    assert NominatedIssue.objects.get().nominated_by == cast.volunteer
