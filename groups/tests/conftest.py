from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import Address, Location
from groups import services
from groups.models import CoDesigner, Course, CourseRun, Facilitator


def make_place(hub, name: str = "Riverside Community Centre") -> Location:
    place = Location.objects.create(hub=hub, name=name)
    Address.objects.create(
        location=place,
        address_1="1 Mill Street",
        city="Riverside",
        state_province="West Yorkshire",
        postal_code="LS1 4AP",
        country="GB",
    )
    return place


COURSE = {
    "title": "Understanding anxiety",
    "summary": "What anxiety is, what keeps it going, and what helps.",
    "learning_outcomes": "Name the signs of anxiety\nTry three ways of calming down",
    "level": "introduction",
    "session_count": 4,
    "session_minutes": 120,
    "accessibility": "Step-free access and a hearing loop.",
    "for_members": True,
    "for_families": True,
    "for_staff": True,
    "completion_percent": 75,
}


@dataclass
class College:
    course: Course
    run: CourseRun
    place: Location


def build_run(
    cast,
    *,
    capacity: int = 10,
    sessions: int = 4,
    publish: bool = True,
    title: str = "",
    first_days_ago: int = 7,
    first_start=None,
) -> College:
    """A course co-designed by Pat (peer) and Lin (link worker), a run co-facilitated by them, with
    `sessions` weekly sessions at the community centre, the first `first_days_ago` days ago."""
    cora = cast.actor("coordinator")
    place = Location.objects.filter(hub=cast.hub).first() or make_place(cast.hub)
    course = services.create_course(actor=cora, data=COURSE | ({"title": title} if title else {}))
    services.add_designer(actor=cora, course=course, person=cast.peer, kind=CoDesigner.Kind.LIVED_EXPERIENCE)
    services.add_designer(
        actor=cora, course=course, person=cast.link_worker, kind=CoDesigner.Kind.PRACTITIONER
    )
    run = services.create_run(actor=cora, course=course, capacity=capacity)
    start = first_start or timezone.now().replace(microsecond=0) - timedelta(days=first_days_ago)
    for i in range(sessions):
        begins = start + timedelta(days=7 * i)
        services.add_session(
            actor=cora, run=run, starts_at=begins, ends_at=begins + timedelta(hours=2), location=place
        )
    services.add_facilitator(actor=cora, run=run, person=cast.peer, kind=Facilitator.Kind.PEER_TRAINER)
    services.add_facilitator(actor=cora, run=run, person=cast.link_worker, kind=Facilitator.Kind.PRACTITIONER)
    if publish:
        run = services.publish_run(actor=cora, run=run)
    return College(course=course, run=run, place=place)


@pytest.fixture
def college(cast) -> College:
    return build_run(cast)
