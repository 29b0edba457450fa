"""Input parsing only: every rule (eligibility, caps, who may do what, plan contents) lives in
support.services and support.plans, which report problems by field name; the views put them beside
the matching field here."""

from __future__ import annotations

from typing import Any

from django import forms

from core.roles import Role
from people.models import Person, ProfileEntry
from support.models import (
    FollowUp,
    OnwardReferral,
    Plan,
    Reason,
    Referral,
    Source,
    SupportSession,
)
from support.plans import CRISIS_TEXTS, WELLBEING_LISTS, WHO

YES_NO = [("yes", "Yes"), ("no", "No")]


class DateInput(forms.DateInput):
    """A browser date picker (ISO dates only)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format="%Y-%m-%dT%H:%M"):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format)


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PersonChoiceField(forms.ModelChoiceField):
    """A person by the name they go by."""

    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# ---- referrals ----------------------------------------------------------------------------------


class ReferralForm(forms.Form):
    """The staff form (support staff and referrers with a login). Dates stay text: the service checks them."""

    service = forms.ModelChoiceField(
        label="Which service?",
        queryset=None,
        empty_label="Choose a service",  # type: ignore[arg-type]
    )
    full_name = forms.CharField(
        label="Full name of the person being referred",
        max_length=200,
        error_messages={"required": "Enter the name of the person being referred."},
    )
    date_of_birth = forms.CharField(
        label="Date of birth", required=False, widget=DateInput(), help_text="Leave empty if you do not know."
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    nhs_number = forms.CharField(label="NHS number", max_length=12, required=False)
    email = forms.CharField(label="Their email address", max_length=254, required=False)
    phone = forms.CharField(label="Their phone number", max_length=30, required=False)
    gp_practice = forms.CharField(label="Their GP practice", max_length=200, required=False)
    source = forms.ChoiceField(
        label="Who is making the referral?",
        choices=[(v, label) for v, label in Source.choices if v != Source.SELF],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who is making the referral."},
    )
    reasons = forms.MultipleChoiceField(
        label="Why are you referring them?",
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one reason."},
        help_text="Choose all that apply.",
    )
    reason_detail = forms.CharField(
        label="Tell us more", required=False, widget=text_area(), help_text="Anything the team should know."
    )
    urgency = forms.ChoiceField(
        label="How soon do they need support?",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Referral.Urgency.ROUTINE,
        required=False,
    )
    referrer_name = forms.CharField(label="Your name", max_length=200, required=False)
    referrer_organisation = forms.CharField(label="Your organisation", max_length=200, required=False)
    referrer_email = forms.CharField(
        label="Your email address",
        max_length=254,
        required=False,
        help_text="We tell you the outcome here, if they agree.",
    )
    referrer_phone = forms.CharField(label="Your phone number", max_length=30, required=False)
    referrer_address = forms.CharField(
        label="Your postal address",
        max_length=500,
        required=False,
        help_text="Only needed if you have no email address; we will send a letter.",
    )
    consent_to_report_back = forms.ChoiceField(
        label="Have they agreed to us telling you how the referral went?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )

    DATA_FIELDS = (
        "full_name",
        "date_of_birth",
        "postcode",
        "nhs_number",
        "email",
        "phone",
        "gp_practice",
        "source",
        "reasons",
        "reason_detail",
        "urgency",
        "referrer_name",
        "referrer_organisation",
        "referrer_email",
        "referrer_phone",
        "referrer_address",
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def referral_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.DATA_FIELDS}
        data["consent_to_report_back"] = self.cleaned_data.get("consent_to_report_back") == "yes"
        return {k: v for k, v in data.items() if v not in (None, "")}


class SelfReferralForm(forms.Form):
    """The public form, in plain words: no login, no NHS number asked."""

    service = forms.ModelChoiceField(
        label="Which support would you like?",
        queryset=None,  # type: ignore[arg-type]
        widget=forms.RadioSelect,
        empty_label=None,
    )
    source = forms.ChoiceField(
        label="Who is filling in this form?",
        choices=[
            (Source.SELF, "I am asking for support for myself"),
            (Source.FAMILY, "I am asking for a family member or friend"),
        ],
        widget=forms.RadioSelect,
        initial=Source.SELF,
    )
    full_name = forms.CharField(
        label="Full name of the person who would like support",
        max_length=200,
        error_messages={"required": "Enter the name of the person who would like support."},
    )
    date_of_birth = forms.CharField(label="Their date of birth", required=False, widget=DateInput())
    postcode = forms.CharField(label="Their postcode", max_length=10, required=False)
    email = forms.CharField(label="Email address", max_length=254, required=False)
    phone = forms.CharField(
        label="Phone number",
        max_length=30,
        required=False,
        help_text="We will call or email to arrange a chat.",
    )
    gp_practice = forms.CharField(label="GP practice", max_length=200, required=False)
    reasons = forms.MultipleChoiceField(
        label="What would you like help with?",
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing you would like help with."},
        help_text="Choose all that apply.",
    )
    reason_detail = forms.CharField(
        label="Anything else you would like us to know", required=False, widget=text_area()
    )
    referrer_name = forms.CharField(
        label="Your name, if you are filling this in for someone else", max_length=200, required=False
    )

    DATA_FIELDS = (
        "source",
        "full_name",
        "date_of_birth",
        "postcode",
        "email",
        "phone",
        "gp_practice",
        "reasons",
        "reason_detail",
        "referrer_name",
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def referral_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.DATA_FIELDS}
        return {k: v for k, v in data.items() if v not in (None, "")}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="What have you decided?",
        choices=[
            ("accept", "Accept: offer support"),
            ("decline", "Decline"),
            ("redirect", "Redirect to another service"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose accept, decline or redirect."},
    )
    reason = forms.CharField(
        label="Why?",
        error_messages={"required": "The reason for the decision is required."},
        widget=text_area(),
        help_text="A reason is needed for every decision.",
    )
    worker = PersonChoiceField(
        label="Who will support them first?",
        queryset=Person.objects.none(),
        required=False,
        empty_label="Me",
        help_text="Only needed when you accept.",
    )
    redirect_to = forms.CharField(
        label="Where are you redirecting them?",
        max_length=300,
        required=False,
        help_text="Only needed when you redirect.",
    )
    code = forms.ModelChoiceField(
        label="Clinical code",
        queryset=None,
        required=False,
        empty_label="None",  # type: ignore[arg-type]
    )

    def __init__(self, *args, workers=(), codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.fields["code"].queryset = codes


class ExclusionsForm(forms.Form):
    exclusion_ids = forms.MultipleChoiceField(
        label="Which of these apply?",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The service does not support people with these needs.",
    )

    def __init__(self, *args, exclusions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclusion_ids"].choices = [(str(e.pk), e.label) for e in exclusions]


class SessionForm(forms.Form):
    held_on = forms.CharField(
        label="Date of the session",
        error_messages={"required": "Enter the date of the session."},
        widget=DateInput(),
    )
    kind = forms.ChoiceField(
        label="How did you meet?",
        choices=SupportSession.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you met."},
    )
    minutes = forms.IntegerField(
        label="How long, in minutes?",
        error_messages={"required": "Enter how long the session was, in minutes."},
        min_value=1,
        max_value=480,
    )
    notes = forms.CharField(label="Notes", required=False, widget=text_area(5))
    sensitivity = forms.ChoiceField(
        label="Who may read the notes?",
        choices=[
            (SupportSession.Sensitivity.STANDARD, "The support team"),
            (SupportSession.Sensitivity.SENSITIVE, "Only this person's workers and coordinators (sensitive)"),
        ],
        widget=forms.RadioSelect,
        initial=SupportSession.Sensitivity.STANDARD,
    )


class HandOverForm(forms.Form):
    step = forms.ModelChoiceField(label="Which step of the pathway?", queryset=None, empty_label=None)  # type: ignore[arg-type]
    worker = PersonChoiceField(
        label="Who will support them now?",
        queryset=Person.objects.none(),
        empty_label="Choose a worker",
        error_messages={"required": "Choose who will support them now."},
    )
    note = forms.CharField(
        label="Hand-over note",
        error_messages={"required": "A hand-over note is required."},
        widget=text_area(5),
        help_text="What the next worker needs to know.",
    )

    def __init__(self, *args, steps=(), workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].queryset = steps
        self.fields["worker"].queryset = workers


class NextActionForm(forms.Form):
    next_action = forms.CharField(label="What happens next?", max_length=300, required=False)
    next_action_on = forms.CharField(label="By when?", required=False, widget=DateInput())


class ConversationForm(forms.Form):
    """The hub's "what matters to you" sections, then what to add to the person's lists."""

    held_on = forms.CharField(
        label="Date of the conversation",
        error_messages={"required": "Enter the date of the conversation."},
        widget=DateInput(),
    )

    LISTS = {
        ProfileEntry.Kind.NEED: "Add to what matters to them: needs",
        ProfileEntry.Kind.HOPE: "Add to what matters to them: hopes",
        ProfileEntry.Kind.SKILL: "Add to what they can offer: skills",
        ProfileEntry.Kind.INTEREST: "Add to what they can offer: interests",
    }

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section_keys = []
        for section in sections:
            self.fields[section["key"]] = forms.CharField(
                label=section["label"], help_text=section.get("hint", ""), required=False, widget=text_area(4)
            )
            self.section_keys.append(section["key"])
        for kind, label in self.LISTS.items():
            self.fields[f"add_{kind}"] = forms.CharField(
                label=label, required=False, widget=text_area(2), help_text="One on each line."
            )

    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in self.section_keys}

    def add_to_lists(self) -> dict[str, list[str]]:
        out = {kind: lines(self.cleaned_data.get(f"add_{kind}", "")) for kind in self.LISTS}
        return {k: v for k, v in out.items() if v}


class OnwardForm(forms.Form):
    directory_service_id = forms.ChoiceField(
        label="Which community service?", error_messages={"required": "Choose a service from the directory."}
    )
    note = forms.CharField(
        label="Note", required=False, widget=text_area(), help_text="Why it might suit them."
    )

    def __init__(self, *args, directory_services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["directory_service_id"].choices = [("", "Choose a service")] + [
            (str(s.id), f"{s.name} ({s.organization.name})" if s.organization_id else s.name)
            for s in directory_services
        ]


class OnwardUpdateForm(forms.Form):
    status = forms.ChoiceField(label="What has happened?", required=False)
    note = forms.CharField(label="Note", required=False, widget=text_area(2))

    def __init__(self, *args, next_statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "No change")] + [
            (s, OnwardReferral.Status(s).label) for s in next_statuses
        ]

    def new_status(self) -> str | None:
        return self.cleaned_data.get("status") or None


class FeedbackForm(forms.Form):
    """What the member says about a community service they were referred to."""

    member_feedback = forms.CharField(
        label="How did it go?", required=False, widget=text_area(4), help_text="In your own words."
    )
    helped = forms.ChoiceField(
        label="Did it help?", choices=OnwardReferral.Helped.choices, widget=forms.RadioSelect, required=False
    )


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(
        label="How did the follow-up go?",
        choices=[
            (FollowUp.Status.DONE, "Done: we spoke"),
            (FollowUp.Status.MISSED, "We could not reach them"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose done or could not reach."},
    )
    done_on = forms.CharField(
        label="Date", required=False, widget=DateInput(), help_text="Leave empty for today."
    )
    note = forms.CharField(label="Note", required=False, widget=text_area(3))


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is support ending?",
        choices=Referral.CloseReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why support is ending."},
    )
    summary = forms.CharField(
        label="Summary",
        error_messages={"required": "A summary is required."},
        widget=text_area(5),
        help_text="What changed for them. The referrer sees this if they agreed.",
    )
    code = forms.ModelChoiceField(label="Clinical code", queryset=None, required=False, empty_label="None")  # type: ignore[arg-type]

    def __init__(self, *args, codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = codes


class UploadForm(forms.Form):
    service = forms.ModelChoiceField(
        label="Which service are the referrals for?", queryset=None, empty_label="Choose a service"
    )  # type: ignore[arg-type]
    file = forms.FileField(label="Spreadsheet (CSV)", help_text="Use the template; at most 1,000 rows.")

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class ReportForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any")] + list(Referral.Status.choices), required=False
    )
    source = forms.ChoiceField(
        label="Referred by", choices=[("", "Any")] + list(Source.choices), required=False
    )


class DueForm(forms.Form):
    until = forms.DateField(label="Due by", required=False, widget=DateInput())


# ---- plans --------------------------------------------------------------------------------------

WHO_CHOICES = list(WHO.items())
DONE_CHOICES = [("no", "Not yet"), ("yes", "Done")]


class PlanForm(forms.Form):
    """A plan as boxes: what is there, plus empty rows to add to. `content()` gives the JSON that
    support.plans checks; `field_for(path)` turns its error paths (goals.0.steps.1.due) back into
    the boxes they came from, since empty rows are left out."""

    note = forms.CharField(label="What changed, in a few words", max_length=300, required=False)

    def __init__(self, *args, kind: str, content: dict[str, Any], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.paths: dict[str, str] = {}
        getattr(self, f"_build_{kind}")(content)
        self.fields["note"] = self.fields.pop("note")

    # Building the boxes.
    def _build_goals(self, content):
        goals = list(content.get("goals", [])) + [{"title": "", "progress": 0, "steps": []}]
        self.goal_rows = []
        for i, goal in enumerate(goals):
            n = i + 1
            self.fields[f"goals.{i}.title"] = forms.CharField(
                label=f"Goal {n}", max_length=500, required=False, initial=goal["title"]
            )
            self.fields[f"goals.{i}.progress"] = forms.IntegerField(
                label=f"How far along is goal {n}? (per cent)",
                min_value=0,
                max_value=100,
                required=False,
                initial=goal["progress"],
            )
            steps = list(goal["steps"]) + [{"text": "", "who": "member", "due": "", "done": False}] * 2
            row = {"title": f"goals.{i}.title", "progress": f"goals.{i}.progress", "steps": []}
            for j, step in enumerate(steps):
                at = f"goals.{i}.steps.{j}"
                self.fields[f"{at}.text"] = forms.CharField(
                    label=f"Goal {n}, step {j + 1}", max_length=500, required=False, initial=step["text"]
                )
                self.fields[f"{at}.who"] = forms.ChoiceField(
                    label=f"Who does step {j + 1}?", choices=WHO_CHOICES, initial=step["who"], required=False
                )
                self.fields[f"{at}.due"] = forms.CharField(
                    label=f"Step {j + 1} by when?", required=False, widget=DateInput(), initial=step["due"]
                )
                self.fields[f"{at}.done"] = forms.ChoiceField(
                    label=f"Is step {j + 1} done?",
                    choices=DONE_CHOICES,
                    initial="yes" if step["done"] else "no",
                    required=False,
                )
                row["steps"].append(at)
            self.goal_rows.append(row)

    def _build_wellbeing(self, content):
        for key, label in WELLBEING_LISTS.items():
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                widget=text_area(4),
                help_text="One on each line.",
                initial="\n".join(content.get(key, [])),
            )

    def _build_crisis(self, content):
        for key, label in CRISIS_TEXTS.items():
            self.fields[key] = forms.CharField(
                label=label, required=False, widget=text_area(4), initial=content.get(key, "")
            )
        contacts = list(content.get("who_to_call", [])) + [{"name": "", "phone": "", "relationship": ""}] * 2
        self.contact_rows = []
        for i, contact in enumerate(contacts):
            at = f"who_to_call.{i}"
            self.fields[f"{at}.name"] = forms.CharField(
                label=f"Person to call {i + 1}: name", max_length=200, required=False, initial=contact["name"]
            )
            self.fields[f"{at}.phone"] = forms.CharField(
                label=f"Person to call {i + 1}: phone",
                max_length=30,
                required=False,
                initial=contact["phone"],
            )
            self.fields[f"{at}.relationship"] = forms.CharField(
                label=f"Person to call {i + 1}: who they are to you",
                max_length=100,
                required=False,
                initial=contact["relationship"],
            )
            self.contact_rows.append(at)

    @property
    def goal_blocks(self) -> list[dict[str, Any]]:
        return [
            {
                "title": self[row["title"]],
                "progress": self[row["progress"]],
                "steps": [[self[f"{at}.{f}"] for f in ("text", "who", "due", "done")] for at in row["steps"]],
            }
            for row in self.goal_rows
        ]

    # Reading the boxes back into plan content.
    def content(self) -> dict[str, Any]:
        return getattr(self, f"_read_{self.kind}")(self.cleaned_data)

    def _read_goals(self, data):
        goals = []
        for i, row in enumerate(self.goal_rows):
            steps = []
            for at in row["steps"]:
                if not (data.get(f"{at}.text") or "").strip() and not data.get(f"{at}.due"):
                    continue
                self.paths[f"goals.{len(goals)}.steps.{len(steps)}"] = at
                steps.append(
                    {
                        "text": data.get(f"{at}.text") or "",
                        "who": data.get(f"{at}.who") or "member",
                        "due": data.get(f"{at}.due") or "",
                        "done": data.get(f"{at}.done") == "yes",
                    }
                )
            title = (data.get(row["title"]) or "").strip()
            if not title and not steps:
                continue
            self.paths[f"goals.{len(goals)}"] = f"goals.{i}"
            goals.append({"title": title, "progress": data.get(row["progress"]) or 0, "steps": steps})
        return {"goals": goals}

    def _read_wellbeing(self, data):
        return {key: lines(data.get(key, "")) for key in WELLBEING_LISTS}

    def _read_crisis(self, data):
        out: dict[str, Any] = {key: data.get(key) or "" for key in CRISIS_TEXTS}
        contacts = []
        for at in self.contact_rows:
            values = {f: (data.get(f"{at}.{f}") or "").strip() for f in ("name", "phone", "relationship")}
            if not any(values.values()):
                continue
            self.paths[f"who_to_call.{len(contacts)}"] = at
            contacts.append(values)
        out["who_to_call"] = contacts
        return out

    def field_for(self, path: str) -> str | None:
        """The form field an error path from support.plans belongs to, or None."""
        parts = path.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self.paths:
                path = self.paths[prefix] + path[len(prefix) :]
                break
        parts = path.split(".")
        for cut in range(len(parts), 0, -1):
            name = ".".join(parts[:cut])
            if name in self.fields:
                return name
        return None


class SupporterForm(forms.Form):
    peer = PersonChoiceField(
        label="Which peer supporter?",
        queryset=Person.objects.none(),
        empty_label="Choose a peer supporter",
        error_messages={"required": "Choose a peer supporter."},
    )

    def __init__(self, *args, peers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = peers


class OnCallForm(forms.Form):
    peer = PersonChoiceField(
        label="Which peer supporter?",
        queryset=Person.objects.none(),
        empty_label="Choose a peer supporter",
        error_messages={"required": "Choose a peer supporter."},
    )
    starts_at = forms.DateTimeField(
        label="Starts", widget=DateTimeInput(), error_messages={"required": "Enter when the period starts."}
    )
    ends_at = forms.DateTimeField(
        label="Ends",
        widget=DateTimeInput(),
        error_messages={"required": "Enter when the period ends."},
        help_text="At most a week after the start.",
    )

    def __init__(self, *args, peers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = peers


# ---- settings -----------------------------------------------------------------------------------


class SettingsForm(forms.Form):
    caseload_limit = forms.IntegerField(
        label="Caseload limit",
        help_text="We warn when a worker supports more people than this. It is a warning, not a refusal.",
        error_messages={"required": "Enter a caseload limit between 1 and 500."},
    )


class ServiceRulesForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the service's name."}
    )
    description = forms.CharField(label="Description", required=False, widget=text_area())
    active = forms.ChoiceField(label="Taking referrals?", choices=YES_NO, widget=forms.RadioSelect)
    takes_self_referrals = forms.ChoiceField(
        label="Takes self-referrals?", choices=YES_NO, widget=forms.RadioSelect
    )
    min_age = forms.IntegerField(
        label="Youngest age taken", required=False, help_text="In years. Leave empty for no limit."
    )
    max_age = forms.IntegerField(
        label="Oldest age taken", required=False, help_text="In years. Leave empty for no limit."
    )
    postcode_districts = forms.CharField(
        label="Postcode districts covered",
        required=False,
        help_text="Separate with commas, like RV1, LS6. Leave empty for anywhere.",
    )
    gp_practices = forms.CharField(
        label="GP practices covered",
        required=False,
        widget=text_area(),
        help_text="One on each line. Leave empty for any practice.",
    )
    follow_up_months = forms.CharField(
        label="Follow-ups, in months after acceptance",
        required=False,
        help_text="Separate with commas, like 4, 8.",
    )

    @classmethod
    def initial_for(cls, service) -> dict[str, Any]:
        return {
            "name": service.name,
            "description": service.description,
            "active": "yes" if service.active else "no",
            "takes_self_referrals": "yes" if service.takes_self_referrals else "no",
            "min_age": service.min_age,
            "max_age": service.max_age,
            "postcode_districts": ", ".join(service.postcode_districts),
            "gp_practices": "\n".join(service.gp_practices),
            "follow_up_months": ", ".join(str(m) for m in service.follow_up_months),
        }

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        months: list[Any] = []
        for item in (data.get("follow_up_months") or "").split(","):
            item = item.strip()
            if item:
                months.append(int(item) if item.isdigit() else item)
        return {
            "name": data.get("name") or "",
            "description": data.get("description") or "",
            "active": data.get("active") == "yes",
            "takes_self_referrals": data.get("takes_self_referrals") == "yes",
            "min_age": data.get("min_age"),
            "max_age": data.get("max_age"),
            "postcode_districts": [
                d.strip() for d in (data.get("postcode_districts") or "").split(",") if d.strip()
            ],
            "gp_practices": lines(data.get("gp_practices") or ""),
            "follow_up_months": months,
        }


PLAN_KINDS = dict(Plan.Kind.choices)
STAFF_ROLES_FOR_PAGES = (Role.LINK_WORKER, Role.COORDINATOR)


class RowsMixin:
    """Repeating rows of boxes (pathway steps, exclusions, conversation sections): the rows there are,
    plus empty ones to add to. A row whose first box is empty is left out; `field_for(path)` turns the
    services' error paths (steps.1.session_cap) back into the boxes they came from."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_rows(self, group: str, columns: dict[str, tuple[str, Any]], rows, blank: int) -> None:
        self.groups = getattr(self, "groups", {})
        self.paths: dict[str, str] = getattr(self, "paths", {})
        names = []
        for i, row in enumerate([*rows, *([{}] * blank)]):
            for column, (label, make) in columns.items():
                field = make(label.format(n=i + 1))
                field.required = False
                field.initial = row.get(column)
                self.fields[f"{group}.{i}.{column}"] = field
            names.append(f"{group}.{i}")
        self.groups[group] = (names, list(columns))

    def row_fields(self, group: str) -> list[list[Any]]:
        names, columns = self.groups[group]
        return [[self[f"{at}.{c}"] for c in columns] for at in names]  # type: ignore[index]

    def read_rows(self, group: str) -> list[dict[str, Any]]:
        names, columns = self.groups[group]
        out: list[dict[str, Any]] = []
        for at in names:
            values = {c: self.cleaned_data.get(f"{at}.{c}") for c in columns}
            if values[columns[0]] in (None, ""):
                continue
            self.paths[f"{group}.{len(out)}"] = at
            out.append({k: ("" if v is None and k != "session_cap" else v) for k, v in values.items()})
        return out

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self.paths:
                path = self.paths[prefix] + path[len(prefix) :]
                break
        parts = path.split(".")
        for cut in range(len(parts), 0, -1):
            name = ".".join(parts[:cut])
            if name in self.fields:
                return name
        return None


STEP_ROLES = [
    (Role.LINK_WORKER, "Link worker, health coach or local area coordinator"),
    (Role.COORDINATOR, "Coordinator"),
    (Role.PEER_SUPPORTER, "Peer supporter"),
    (Role.VOLUNTEER, "Volunteer"),
]


def _text_box(label, **kw):
    return forms.CharField(label=label, **kw)


class PathwayForm(RowsMixin, forms.Form):
    """A service's pathway steps and what it does not take."""

    def __init__(self, *args, steps=(), exclusions=(), directory_services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_rows(
            "steps",
            {
                "name": ("Step {n}: name", lambda label: _text_box(label, max_length=100)),
                "role": (
                    "Step {n}: who does it",
                    lambda label: forms.ChoiceField(label=label, choices=STEP_ROLES),
                ),
                "worker_title": ("Step {n}: job title", lambda label: _text_box(label, max_length=100)),
                "session_cap": (
                    "Step {n}: most sessions",
                    lambda label: forms.IntegerField(label=label, help_text="Leave empty for no limit."),
                ),
            },
            [
                {"name": s.name, "role": s.role, "worker_title": s.worker_title, "session_cap": s.session_cap}
                for s in steps
            ],
            blank=1,
        )
        choices = [("", "None")] + [(str(s.id), s.name) for s in directory_services]
        self.add_rows(
            "exclusions",
            {
                "label": ("Not for {n}: what need", lambda label: _text_box(label, max_length=200)),
                "redirect_to": (
                    "Not for {n}: where to send people",
                    lambda label: _text_box(label, max_length=300),
                ),
                "redirect_service_id": (
                    "Not for {n}: a directory service to suggest",
                    lambda label: forms.ChoiceField(label=label, choices=choices),
                ),
            },
            [
                {
                    "label": e.label,
                    "redirect_to": e.redirect_to,
                    "redirect_service_id": str(e.redirect_service_id or ""),
                }
                for e in exclusions
            ],
            blank=2,
        )

    def steps(self) -> list[dict[str, Any]]:
        return self.read_rows("steps")

    def exclusions(self) -> list[dict[str, Any]]:
        return [
            {**e, "redirect_service_id": e["redirect_service_id"] or None}
            for e in self.read_rows("exclusions")
        ]


class SectionsForm(RowsMixin, forms.Form):
    """The hub's "what matters to you" sections."""

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_rows(
            "conversation_sections",
            {
                "key": (
                    "Section {n}: short key",
                    lambda label: _text_box(
                        label, max_length=40, help_text="Letters, digits and underscores."
                    ),
                ),
                "label": ("Section {n}: question", lambda label: _text_box(label, max_length=200)),
                "hint": ("Section {n}: hint", lambda label: _text_box(label, max_length=300)),
            },
            sections,
            blank=1,
        )

    def sections(self) -> list[dict[str, Any]]:
        return self.read_rows("conversation_sections")


class ClinicalCodeForm(forms.Form):
    system = forms.CharField(label="Code system", max_length=40, initial="SNOMED CT")
    code = forms.CharField(label="Code", max_length=40, error_messages={"required": "Enter the code."})
    label = forms.CharField(
        label="What it means", max_length=200, error_messages={"required": "Enter what it means."}
    )


class NewServiceForm(ServiceRulesForm, PathwayForm):
    """A new service: its rules, pathway and exclusions on one page."""
