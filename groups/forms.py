"""Input parsing for the course, group and volunteer pages. Rules live in groups.services."""

from __future__ import annotations

import calendar
from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from groups.models import CoDesigner, Course, Facilitator, Group, Supervision


class CourseForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(label="What the course is about", widget=forms.Textarea(attrs={"rows": 4}))
    learning_outcomes = forms.CharField(
        label="Learning outcomes",
        help_text="One on each line. For example: name three things that help you sleep.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    level = forms.ChoiceField(choices=Course.Level.choices, widget=forms.RadioSelect)
    session_count = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=52,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    session_minutes = forms.IntegerField(
        label="Length of each session, in minutes",
        min_value=15,
        max_value=480,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    accessibility = forms.CharField(
        required=False,
        help_text="For example: step-free access, hearing loop, materials in large print.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    audience = forms.MultipleChoiceField(
        label="Who the course is for",
        help_text="Choose all three for a course open to all.",
        choices=[
            ("for_members", "Members"),
            ("for_families", "Families and friends"),
            ("for_staff", "Staff"),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    completion_percent = forms.IntegerField(
        label="Attendance needed to complete, as a percentage of sessions",
        min_value=1,
        max_value=100,
        initial=75,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def course_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "audience"}
        for flag in ("for_members", "for_families", "for_staff"):
            data[flag] = flag in self.cleaned_data["audience"]
        return data


def _person_choices(people) -> list[tuple[str, str]]:
    return [("", "Choose a person")] + [(str(p.pk), p.full_name) for p in people]


class DesignerForm(forms.Form):
    person = forms.ChoiceField(label="Who designed the course")
    kind = forms.ChoiceField(
        label="What they brought", choices=CoDesigner.Kind.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(people)


class FacilitatorForm(forms.Form):
    person = forms.ChoiceField(label="Co-facilitator")
    kind = forms.ChoiceField(label="Their part", choices=Facilitator.Kind.choices, widget=forms.RadioSelect)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(people)


class RunForm(forms.Form):
    capacity = forms.IntegerField(
        label="Number of places",
        min_value=1,
        max_value=500,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    term = forms.ChoiceField(label="Term", required=False)

    def __init__(self, *args, terms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [("", "No term")] + [(str(t.pk), t.name) for t in terms]


class SessionForm(forms.Form):
    day = forms.DateField(
        label="Date", help_text="For example, 27/3/2026.", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    starts = forms.TimeField(label="Start time", help_text="For example, 10:00.", input_formats=["%H:%M"])
    ends = forms.TimeField(label="End time", help_text="For example, 12:00.", input_formats=["%H:%M"])
    location = forms.ChoiceField(label="Place", required=False, help_text="Places come from the directory.")
    online = forms.BooleanField(label="Online instead of a place", required=False)
    joining_link = forms.URLField(
        label="Joining link", required=False, assume_scheme="https", help_text="Only students will see it."
    )

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", "Online, or choose a place")] + [
            (str(p.pk), p.name or str(p.pk)) for p in places
        ]

    def times(self) -> tuple[datetime, datetime]:
        day = self.cleaned_data["day"]
        tz = timezone.get_current_timezone()
        starts = datetime.combine(day, self.cleaned_data["starts"] or time(0), tzinfo=tz)
        ends = datetime.combine(day, self.cleaned_data["ends"] or time(0), tzinfo=tz)
        return starts, ends


class EnrolForm(forms.Form):
    hopes = forms.CharField(
        label="What I want to get from this course",
        required=False,
        max_length=1000,
        help_text="Your own words. Only you, the course's trainers and the college team see it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EnrolSomeoneForm(forms.Form):
    person = forms.ChoiceField(label="Person to enrol")

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(people)


class PlanForm(forms.Form):
    hopes = forms.CharField(
        label="What I want to get from this course",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    support_needs = forms.CharField(
        label="What would help me learn",
        required=False,
        max_length=1000,
        help_text="For example, a quiet seat near the door, handouts in large print, a break every hour.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CancelRunForm(forms.Form):
    reason = forms.CharField(
        label="Why the run is cancelled", max_length=300, help_text="Students are told this."
    )


class ReportForm(forms.Form):
    start = forms.DateField(
        label="From", input_formats=["%d/%m/%Y", "%Y-%m-%d"], help_text="For example, 1/4/2026."
    )
    end = forms.DateField(
        label="To", input_formats=["%d/%m/%Y", "%Y-%m-%d"], help_text="For example, 31/3/2027."
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return cleaned


class GroupForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Kind of group", choices=Group.Kind.choices, widget=forms.RadioSelect)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    meets = forms.CharField(
        label="When it meets", required=False, help_text="For example, every Tuesday at 10am."
    )
    lead = forms.ChoiceField(label="Group lead", required=False, help_text="The lead may be a member.")
    active = forms.BooleanField(
        label="Still meeting", required=False, initial=True, help_text="Untick when the group stops meeting."
    )
    service = forms.ChoiceField(
        label="The group's page in the directory",
        required=False,
        help_text="Add the group to the directory first.",
    )

    def __init__(self, *args, people=(), directory_services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = [("", "No lead yet")] + [(str(p.pk), p.full_name) for p in people]
        self.fields["service"].choices = [("", "Not in the directory yet")] + [
            (str(s.pk), s.name) for s in directory_services
        ]


class MeetingForm(forms.Form):
    day = forms.DateField(
        label="Date", help_text="For example, 27/3/2026.", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    starts = forms.TimeField(label="Start time", help_text="For example, 10:00.", input_formats=["%H:%M"])
    attended = forms.IntegerField(
        label="How many came",
        required=False,
        min_value=0,
        max_value=1000,
        help_text="Leave empty for a meeting still to come.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def starts_at(self) -> datetime:
        tz = timezone.get_current_timezone()
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["starts"], tzinfo=tz)


class ApplyForm(forms.Form):
    why = forms.CharField(
        label="Why you would like to do this", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class HoursForm(forms.Form):
    worked_on = forms.DateField(
        label="Date", help_text="For example, 27/3/2026.", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    minutes = forms.IntegerField(
        label="Time given, in minutes",
        min_value=1,
        max_value=1440,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class IssueForm(forms.Form):
    text = forms.CharField(
        label="An issue for the next development day",
        max_length=500,
        help_text="Something you want to talk through with other volunteers and peer workers.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CheckForm(forms.Form):
    person = forms.ChoiceField(label="Person")
    kind = forms.CharField(label="Kind of check", max_length=100, help_text="For example, enhanced DBS.")
    checked_on = forms.DateField(
        label="Date of the check", help_text="For example, 27/3/2026.", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    expires_on = forms.DateField(label="Renew by", input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=100,
        help_text="The certificate number; never its content.",
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(people)


class SupervisionForm(forms.Form):
    person = forms.ChoiceField(label="Volunteer or peer worker")
    supervisor = forms.ChoiceField(label="Supervisor")
    held_on = forms.DateField(
        label="Date", help_text="For example, 27/3/2026.", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    kind = forms.ChoiceField(label="Kind", choices=Supervision.Kind.choices, widget=forms.RadioSelect)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(people)
        self.fields["supervisor"].choices = _person_choices(people)


class DevelopmentDayForm(forms.Form):
    held_on = forms.DateField(
        label="Date", input_formats=["%d/%m/%Y", "%Y-%m-%d"], help_text="For example, 27/3/2026."
    )
    title = forms.CharField(label="Title", required=False, max_length=200)


# ---- on-call rota ----

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
WEEKDAYS = [(str(i), name) for i, name in enumerate(calendar.day_name)]


class _SpanForm(forms.Form):
    """A date and two times; an end no later than the start means the next day (an overnight shift)."""

    day = forms.DateField(label="Date", help_text="For example, 27/3/2026.", input_formats=DATE_FORMATS)
    starts = forms.TimeField(label="From", help_text="For example, 18:00.", input_formats=["%H:%M"])
    ends = forms.TimeField(
        label="Until",
        help_text="For example, 22:00. A time before the start means the next day.",
        input_formats=["%H:%M"],
    )

    def span(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        day, starts, ends = (self.cleaned_data[k] for k in ("day", "starts", "ends"))
        end_day = day if ends > starts else day + timedelta(days=1)
        return datetime.combine(day, starts, tzinfo=tz), datetime.combine(end_day, ends, tzinfo=tz)


class AvailabilityForm(_SpanForm):
    weeks = forms.IntegerField(
        label="How many weeks",
        initial=1,
        min_value=1,
        max_value=12,
        help_text="The same day and time each week, up to 12 weeks.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(label="Anything the coordinator should know", required=False, max_length=200)


class OnCallForm(_SpanForm):
    peer = forms.ChoiceField(label="Peer supporter")

    field_order = ["peer", "day", "starts", "ends"]

    def __init__(self, *args, peers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer"].choices = _person_choices(peers)


class CoverForm(forms.Form):
    days = forms.MultipleChoiceField(
        label="Days that need cover", choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    from_hour = forms.IntegerField(
        label="From (hour, 0 to 23)",
        min_value=0,
        max_value=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    to_hour = forms.IntegerField(
        label="Until (hour, 1 to 24)",
        min_value=1,
        max_value=24,
        help_text="0 to 24 is every hour; 18 to 8 is evenings and nights.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


# ---- volunteer management ----


class VolunteerRoleForm(forms.Form):
    title = forms.CharField(label="Title of the role", max_length=200)
    description = forms.CharField(
        label="What the role involves", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    needs_background_check = forms.BooleanField(label="This role needs a background check", required=False)


class TrainingForm(forms.Form):
    person = forms.ChoiceField(label="Person")
    title = forms.CharField(label="Training", max_length=200, help_text="For example, safeguarding adults.")
    completed_on = forms.DateField(
        label="Date completed", help_text="For example, 27/3/2026.", input_formats=DATE_FORMATS
    )
    expires_on = forms.DateField(
        label="Renew by",
        required=False,
        help_text="Leave empty if it does not need renewing.",
        input_formats=DATE_FORMATS,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(people)


class StaffHoursForm(HoursForm):
    person = forms.ChoiceField(label="Volunteer")
    role = forms.ChoiceField(label="Role", required=False)

    field_order = ["person", "role", "worked_on", "minutes"]

    def __init__(self, *args, people=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _person_choices(people)
        self.fields["role"].choices = [("", "No particular role")] + [(str(r.pk), r.title) for r in roles]
