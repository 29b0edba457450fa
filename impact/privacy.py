"""What impact holds about a person, for subject access and erasure (rights/registry.py).

Measurements are questionnaire answers as numbers and the scores worked out from them: they stay,
pointing at the anonymised person, so the cohort changes and social-value figures in the impact report
keep their totals. They hold no free text.
"""

from __future__ import annotations

from impact.models import Funding, Measurement
from rights.registry import Rule

RULES = [
    Rule(
        model="impact.Measurement",
        fields=("person", "recorded_by"),
        part="measurements",
        rows=lambda person: Measurement.objects.filter(person=person),
    ),
    # Which hubs' figures a commissioner's login may see: about their work, not them as a member. A
    # commissioner holds a staff role, so cannot be erased until it is removed.
    Rule(
        model="impact.Funding",
        fields=("commissioner",),
        part="login",
        rows=lambda person: (
            Funding.objects.filter(commissioner_id=person.user_id)
            if person.user_id
            else Funding.objects.none()
        ),
    ),
]
