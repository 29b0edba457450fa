from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from core.models import Hub
from groups import queries
from groups.models import CourseRun, Enrolment, Group, NominatedIssue


def test_the_demo_hub_has_a_co_produced_prospectus_groups_and_volunteers(db):
    out = StringIO()
    call_command("build_demo_hub", "--members", "60", stdout=out)
    assert "course runs" in out.getvalue()
    hub = Hub.objects.get(slug="riverside")
    runs = queries.prospectus(hub)
    assert len(runs) == 4
    assert all({f.kind for f in run.facilitators.all()} == {"peer_trainer", "practitioner"} for run in runs)
    # One run is half way through, with registers; one is full, with a waiting list.
    assert Enrolment.objects.filter(run__hub=hub, attendance__present=True).exists()
    assert Enrolment.objects.filter(run__hub=hub, status="waiting").count() == 3
    assert CourseRun.objects.filter(hub=hub, sessions__location__isnull=False).exists()
    # Groups point at the directory's services where it has one for them.
    assert Group.objects.filter(hub=hub).count() == 4
    assert Group.objects.filter(hub=hub, service__isnull=False).exists()
    assert queries.expiry_warnings(hub)  # one check runs out soon
    assert NominatedIssue.objects.filter(hub=hub, day__held_on__gt=timezone.localdate()).count() == 4
    report = queries.report(
        hub,
        start=timezone.localdate().replace(day=1).replace(year=2000),
        end=timezone.localdate(),
        suppressed=True,
    )
    assert report.sessions > 0 and report.co_facilitated_share == "100%"
