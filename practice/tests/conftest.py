from __future__ import annotations

from practice import services
from practice.frameworks import PRINCIPLE_KEYS
from practice.models import Perspective, Round

# Per principle, the rating a respondent gives every statement of that principle (None: don't know).
STAFF_A = {"assets": 3, "capabilities": 2, "mutuality": 3, "networks": 1, "blurring_roles": 2, "catalysts": 0}
STAFF_B = {
    "assets": 3,
    "capabilities": 1,
    "mutuality": 2,
    "networks": 1,
    "blurring_roles": None,
    "catalysts": 0,
}
MEMBER_C = {
    "assets": 1,
    "capabilities": 2,
    "mutuality": 1,
    "networks": 2,
    "blurring_roles": 0,
    "catalysts": 0,
}
MEMBER_D = {
    "assets": 2,
    "capabilities": 2,
    "mutuality": 1,
    "networks": 3,
    "blurring_roles": 1,
    "catalysts": 0,
}


def ratings(round_: Round, by_principle: dict[str, int | None]) -> dict[int, int | None]:
    assert set(by_principle) <= set(PRINCIPLE_KEYS)
    return {item.pk: by_principle.get(item.principle) for item in round_.items.all()}


def answered_round(cast, *, close: bool = True, title: str = "Spring reflection") -> Round:
    """Two staff (Cora and Lin, named), two members (Mo anonymously by link, Mia on paper)."""
    cora = cast.actor("coordinator")
    round_ = services.open_round(actor=cora, title=title, about="Live Well team")
    services.invite(actor=cora, round_=round_, person=cast.coordinator)
    services.invite(actor=cora, round_=round_, person=cast.link_worker)
    services.submit_named(actor=cora, round_=round_, ratings=ratings(round_, STAFF_A))
    services.submit_named(actor=cast.actor("link_worker"), round_=round_, ratings=ratings(round_, STAFF_B))
    services.submit_anonymous(code=round_.member_code, ratings=ratings(round_, MEMBER_C))
    services.enter_paper(
        actor=cast.actor("link_worker"),
        round_=round_,
        perspective=Perspective.MEMBER,
        ratings=ratings(round_, MEMBER_D),
    )
    if close:
        round_ = services.close_round(actor=cora, round_=round_)
    return round_
