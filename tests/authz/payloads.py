"""Valid bodies for writes whose permission check comes after the input is parsed: with an empty body
every caller would get the same 400, and the cell would test nothing."""

from __future__ import annotations

from typing import Any

from tests.authz.world import World


def payload_for(route_name: str, world: World, side: str) -> dict[str, Any]:
    objects = {kind: pair[side] or pair["home"] for kind, pair in world.objects.items()}
    if route_name == "groups:meeting-count":
        return {"attended": "3"}
    if route_name == "people-api:list":
        return {"full_name": "Authz Newcomer"}
    if route_name in ("timebank-api:offers", "timebank-api:requests"):
        return {"title": "Authz listing", "category": "gardening"}
    if route_name == "timebank-api:transfers":
        return {"to_pot": "true", "minutes": "10"}
    if route_name == "timebank-api:exchanges":
        account = objects["time-bank account"]
        other = (
            type(account).objects.filter(hub=account.hub, kind=account.kind).exclude(pk=account.pk).first()
        )
        return {
            "giver": account.pk,
            "receiver": other.pk,
            "minutes": "30",
            "category": "gardening",
            "description": "Authz help",
        }
    if route_name == "support-api:referrals":
        return {
            "service": objects["support service"].pk,
            "full_name": "Authz Referred",
            "source": "gp",
            "reasons": "isolation",
            "urgency": "routine",
        }
    # Mo may open his own request, so only a valid body reaches the service that refuses him.
    if route_name == "rights:complete":
        return {"outcome": "Authz corrected"}
    if route_name == "rights:refuse":
        return {"reason": "Authz refused"}
    if route_name == "rights:erase":
        # Confirmed, so an allowed POST goes as far as the erasure itself (refused by the blockers).
        return {"confirm": ["yes"]}
    return {}
