"""What courses, groups and volunteering hold about a person, for subject access and erasure
(rights/registry.py).

Enrolments, attendance, memberships, co-design and facilitation stay as rows pointing at the anonymised
person, so course completions, attendance rates and co-facilitation shares keep their totals; the
person's own words (learning plan, why they applied, issues they raised, notes) are removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from groups.models import (
    Attendance,
    BackgroundCheck,
    Course,
    Enrolment,
    GroupMeeting,
    NominatedIssue,
    OnCallAvailability,
    OnCallCredit,
    Supervision,
    VolunteerApplication,
    VolunteerHours,
)
from rights.registry import Rule

if TYPE_CHECKING:
    from rights.erasure import Erasure


def _erase_enrolments(erasure: Erasure) -> None:
    erasure.update(Enrolment.objects.filter(person=erasure.person), hopes="", support_needs="")
    if erasure.user is not None:
        erasure.relabel(Enrolment.objects.filter(enrolled_by=erasure.user), "enrolled_by_label")


def _erase_applications(erasure: Erasure) -> None:
    erasure.update(VolunteerApplication.objects.filter(person=erasure.person).exclude(why=""), why="")


def _erase_checks(erasure: Erasure) -> None:
    erasure.update(BackgroundCheck.objects.filter(person=erasure.person), reference="")


def _erase_issues(erasure: Erasure) -> None:
    from rights.erasure import REMOVED

    erasure.update(NominatedIssue.objects.filter(nominated_by=erasure.person), text=REMOVED)


def _erase_availability(erasure: Erasure) -> None:
    erasure.update(OnCallAvailability.objects.filter(peer=erasure.person).exclude(note=""), note="")


RULES = [
    # Courses a member of staff created are the hub's, not personal data about them.
    Rule(
        model="groups.Course",
        fields=("created_by",),
        part="courses",
        rows=lambda person: Course.objects.none(),
    ),
    Rule(model="groups.CoDesigner", fields=("person",), part="courses"),
    Rule(model="groups.Facilitator", fields=("person",), part="courses"),
    Rule(
        model="groups.Enrolment",
        fields=("person", "enrolled_by"),
        part="courses",
        rows=lambda person: Enrolment.objects.filter(person=person),
        erase=_erase_enrolments,
    ),
    Rule(
        model="groups.Attendance",
        fields=("recorded_by",),
        part="courses",
        rows=lambda person: Attendance.objects.filter(enrolment__person=person),
    ),
    # Leading a group is a co-production fact the hub reports; the lead stays, anonymised.
    Rule(model="groups.Group", fields=("lead",), part="courses"),
    Rule(model="groups.GroupMembership", fields=("person",), part="courses"),
    # A head count of a drop-in meeting: the person who typed it in is the only link, and it holds no
    # information about them.
    Rule(
        model="groups.GroupMeeting",
        fields=("recorded_by",),
        part="courses",
        rows=lambda person: GroupMeeting.objects.none(),
    ),
    Rule(
        model="groups.VolunteerApplication",
        fields=("person", "decided_by"),
        part="volunteering",
        rows=lambda person: VolunteerApplication.objects.filter(person=person),
        erase=_erase_applications,
    ),
    Rule(
        model="groups.BackgroundCheck",
        fields=("person",),
        part="volunteering",
        erase=_erase_checks,
        kept=(
            "That a background (DBS) check was made, and when it expired, is safeguarding evidence the "
            "hub must be able to show (Safeguarding Vulnerable Groups Act 2006); kept for 6 years after "
            "the person stops volunteering, without the certificate reference."
        ),
    ),
    Rule(model="groups.TrainingRecord", fields=("person",), part="volunteering"),
    Rule(
        model="groups.Supervision",
        fields=("person", "supervisor"),
        part="volunteering",
        rows=lambda person: Supervision.objects.filter(Q(person=person) | Q(supervisor=person)),
    ),
    Rule(
        model="groups.VolunteerHours",
        fields=("person", "recorded_by"),
        part="volunteering",
        rows=lambda person: VolunteerHours.objects.filter(person=person),
    ),
    Rule(model="groups.NominatedIssue", fields=("nominated_by",), part="practice", erase=_erase_issues),
    Rule(
        model="groups.OnCallAvailability",
        fields=("peer", "created_by"),
        part="volunteering",
        rows=lambda person: OnCallAvailability.objects.filter(peer=person),
        erase=_erase_availability,
    ),
    Rule(
        model="groups.OnCallCredit",
        fields=("peer", "credited_by"),
        part="volunteering",
        rows=lambda person: OnCallCredit.objects.filter(peer=person),
        kept="An on-call credit is the record behind a time-bank transfer; it stays with the ledger.",
    ),
]
