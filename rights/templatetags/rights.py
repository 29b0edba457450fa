"""Template helpers so other apps' pages can link to member rights without their views changing."""

from django import template

from rights import permissions

register = template.Library()


@register.filter
def can_see_rights(actor, person) -> bool:
    """{% if actor|can_see_rights:person %}: the actor may open everything held about the person."""
    return actor is not None and person is not None and permissions.can_see_everything(actor, person)
