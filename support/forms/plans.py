"""Forms for plans (goals, wellbeing, crisis) and the peer supporters a member names for their crisis
plan."""

from __future__ import annotations

from typing import Any

from django import forms

from people.models import Person
from support.forms.common import DateInput, PersonChoiceField, lines, text_area
from support.plans import CRISIS_TEXTS, WELLBEING_LISTS, WHO

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
