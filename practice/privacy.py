"""What co-production practice holds about a person, for subject access and erasure
(rights/registry.py).

Ratings hold no words: a named response stays, pointing at the anonymised person, so every round's
wedge and the hub's practice summary keep their numbers. Action-plan actions name a member lead; the
action's text is about the service, not the person, and stays.
"""

from __future__ import annotations

from django.db.models import Q

from practice.models import Action, Answer
from rights.registry import Rule

RULES = [
    Rule(model="practice.Invitation", fields=("person",), part="practice"),
    Rule(model="practice.Response", fields=("person",), part="practice"),
    Rule(
        model="practice.Answer",
        part="practice",
        rows=lambda person: Answer.objects.filter(response__person=person),
    ),
    Rule(
        model="practice.Action",
        fields=("staff_lead", "member_lead"),
        part="practice",
        rows=lambda person: Action.objects.filter(Q(staff_lead=person) | Q(member_lead=person)),
    ),
]
