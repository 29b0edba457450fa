"""Render Django form fields with NHS.UK design system markup (labels, hints, error messages)."""

from django import forms, template
from django.template.loader import render_to_string

register = template.Library()


def _kind(field) -> str:
    widget = field.field.widget
    # CheckboxSelectMultiple is a subclass of RadioSelect, so it must be tested first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


@register.simple_tag
def nhsuk_field(field, width: str = ""):
    kind = _kind(field)
    describedby = []
    if field.help_text:
        describedby.append(f"{field.id_for_label}-hint")
    if field.errors:
        describedby.append(f"{field.id_for_label}-error")
    attrs = {}
    if kind in ("input", "textarea", "select"):
        css = {"input": "nhsuk-input", "textarea": "nhsuk-textarea", "select": "nhsuk-select"}[kind]
        if width:
            css += f" nhsuk-input--width-{width}"
        if field.errors:
            css += f" {css.split()[0]}--error"
        attrs["class"] = css
        if describedby:
            attrs["aria-describedby"] = " ".join(describedby)
    widget_html = field.as_widget(attrs=attrs) if kind in ("input", "textarea", "select") else ""
    return render_to_string(
        "core/_field.html",
        {
            "field": field,
            "kind": kind,
            "widget_html": widget_html,
            "describedby": " ".join(describedby),
        },
    )


@register.filter
def hours_minutes(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    h, m = divmod(abs(int(minutes)), 60)
    return f"{sign}{h}h {m:02d}m"
