"""What rights itself holds about a person: their requests (rights/registry.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rights.models import RightsRequest
from rights.registry import Rule

if TYPE_CHECKING:
    from rights.erasure import Erasure


def _erase_requests(erasure: Erasure) -> None:
    erasure.update(RightsRequest.objects.filter(person=erasure.person).exclude(detail=""), detail="")
    if erasure.user is not None:
        erasure.relabel(RightsRequest.objects.filter(requested_by=erasure.user), "requested_by_label")


RULES = [
    Rule(
        model="rights.RightsRequest",
        fields=("person", "requested_by", "completed_by"),
        part="rights",
        rows=lambda person: RightsRequest.objects.filter(person=person),
        erase=_erase_requests,
        kept=(
            "The record of each data rights request and its answer is the hub's proof that it met the "
            "request (UK GDPR articles 5(2) and 12); kept for 6 years, without what was written in it."
        ),
    ),
]
