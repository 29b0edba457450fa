from django import template

from groups.queries import place_text

register = template.Library()


@register.filter
def place(session) -> str:
    """Where a course session or group meeting is: its directory place, or online."""
    return place_text(session.location, session.online)
