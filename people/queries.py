"""Every read the people pages and API need, with related rows fetched up front."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from people.models import ConsentEvent, ConsentPurpose, Person, ProfileEntry, RoleGrant
from people.validators import normalise_nhs_number

# Counts below this are shown as "fewer than 5" so no one can be picked out of a figure.
SMALL_NUMBER = 5


def actors_for_user(user, *, ip_address: str | None = None) -> list[Actor]:
    """One Actor per hub where this login has a record, ordered by hub name."""
    people = (
        Person.objects.filter(user=user)
        .select_related("hub")
        .prefetch_related("role_grants")
        .order_by("hub__name")
    )
    return [
        Actor(
            user=user,
            hub=p.hub,
            person=p,
            roles=frozenset(g.role for g in p.role_grants.all()),
            ip_address=ip_address,
        )
        for p in people
    ]


def people_in_hub(hub: Hub) -> QuerySet[Person]:
    return Person.objects.filter(hub=hub).prefetch_related("role_grants")


def search_people(*, actor: Actor, text: str = "", role: str = "") -> QuerySet[Person]:
    """People in the actor's hub matching words of a name, an email, a postcode or an NHS number."""
    qs = people_in_hub(actor.hub)
    digits = normalise_nhs_number(text)
    if digits.isdigit() and len(digits) >= 3:
        # Typed like an NHS number ("943 476"): match its start.
        qs = qs.filter(nhs_number__startswith=digits)
        text = ""
    for word in text.split()[:6]:
        qs = qs.filter(
            Q(full_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(email__icontains=word)
            | Q(postcode__icontains=word)
        )
    if role:
        qs = qs.filter(role_grants__role=role)
    return qs.order_by("full_name", "id")


def person_detail(person_id: int) -> Person:
    return (
        Person.objects.select_related("hub", "user")
        .prefetch_related(
            "role_grants",
            Prefetch("profile_entries", queryset=ProfileEntry.objects.order_by("kind", "position")),
        )
        .get(pk=person_id)
    )


def profile_lists(person: Person) -> dict[str, list[str]]:
    """The person's entries by kind, in their order: {"need": [...], "skill": [...], ...}."""
    lists: dict[str, list[str]] = {k.value: [] for k in ProfileEntry.Kind}
    for entry in person.profile_entries.all():
        lists[entry.kind].append(entry.text)
    return lists


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    label: str
    event: ConsentEvent | None

    @property
    def granted(self) -> bool:
        return self.event is not None and self.event.granted


def current_consents(person: Person) -> list[ConsentState]:
    """The latest answer for every purpose; a purpose never asked about shows as not given."""
    latest: dict[str, ConsentEvent] = {}
    for event in person.consent_events.order_by("-recorded_at", "-id"):
        latest.setdefault(event.purpose, event)
    return [ConsentState(p.value, p.label, latest.get(p.value)) for p in ConsentPurpose]


def has_consent(*, person: Person, purpose: str) -> bool:
    """The one question every other part of Coproduce asks before using a person's data."""
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"Unknown consent purpose: {purpose}")
    latest = (
        ConsentEvent.objects.filter(person=person, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


def consent_history(person: Person) -> QuerySet[ConsentEvent]:
    return person.consent_events.select_related("recorded_by").order_by("-recorded_at", "-id")


def audit_for_person(person: Person) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(person=person).order_by("-at", "-id")


def search_audit(
    *,
    hub: Hub,
    text: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(hub=hub).select_related("person")
    for word in text.split()[:6]:
        qs = qs.filter(
            Q(actor_label__icontains=word) | Q(summary__icontains=word) | Q(person__full_name__icontains=word)
        )
    if action:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-id")


def suppress(count: int) -> str:
    return f"fewer than {SMALL_NUMBER}" if 0 < count < SMALL_NUMBER else str(count)


def hub_figures(hub: Hub) -> dict[str, object]:
    """Aggregate counts for a hub, with small numbers suppressed; never a name."""
    by_role = dict(
        RoleGrant.objects.filter(person__hub=hub)
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    latest_eval = ConsentEvent.objects.filter(
        person=OuterRef("pk"), purpose=ConsentPurpose.EVALUATION
    ).order_by("-recorded_at", "-id")
    evaluation = (
        Person.objects.filter(hub=hub)
        .annotate(answer=Subquery(latest_eval.values("granted")[:1]))
        .filter(answer=True)
        .count()
    )
    return {
        "people": suppress(Person.objects.filter(hub=hub).count()),
        "roles": [(r.label, suppress(by_role.get(r.value, 0))) for r in Role],
        "evaluation_consent": suppress(evaluation),
    }
