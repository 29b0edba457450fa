"""Forms for coordinators' settings: the on-call rota, the caseload limit, services' rules, pathways
and exclusions, conversation sections and clinical codes."""

from __future__ import annotations

from typing import Any

from django import forms

from core.roles import Role
from people.models import Person
from support.forms.common import YES_NO, DateTimeInput, PersonChoiceField, lines, text_area


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
