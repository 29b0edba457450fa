"""Small filters for directory pages: cost, times, ages and distances in words."""

from django import template

from directory import queries

register = template.Library()

METRES_PER_MILE = 1609.344


@register.filter
def cost(service) -> str:
    return queries.cost_text(service)


@register.filter
def when(schedule) -> str:
    return queries.when_text(schedule)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def miles(metres) -> str:
    value = metres / METRES_PER_MILE
    if value < 0.1:
        return "less than 0.1 miles"
    return f"{value:.1f} miles"


@register.filter
def ages(service) -> str:
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    if low is not None:
        return f"{low:g} and over"
    return f"up to {high:g}"
