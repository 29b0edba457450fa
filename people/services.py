"""Every write to people's records. Pages, the API, commands and the demo builder all come here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core import audit
from core.errors import Conflict, DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from people import permissions
from people.models import ConsentEvent, ConsentPurpose, Person, ProfileEntry, RoleGrant
from people.validators import normalise_nhs_number, normalise_postcode

PERSON_FIELDS = (
    "full_name",
    "preferred_name",
    "pronouns",
    "email",
    "phone",
    "address",
    "postcode",
    "date_of_birth",
    "nhs_number",
    "communication_needs",
)
LIST_KINDS = tuple(k.value for k in ProfileEntry.Kind)
MAX_ENTRIES_PER_LIST = 30


def _refuse(message: str = "You do not have permission to do that.") -> None:
    raise PermissionDenied(message)


def _clean_lists(lists: Mapping[str, Any] | None) -> dict[str, list[str]] | None:
    if lists is None:
        return None
    unknown = set(lists) - set(LIST_KINDS)
    if unknown:
        raise DomainError(f"Unknown list: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, list[str]] = {}
    errors: dict[str, list[str]] = {}
    for kind in LIST_KINDS:
        items = [str(t).strip() for t in lists.get(kind, []) if str(t).strip()]
        if len(items) > MAX_ENTRIES_PER_LIST:
            errors[kind] = [f"Keep this list to {MAX_ENTRIES_PER_LIST} items or fewer."]
        long = [t for t in items if len(t) > 300]
        if long:
            errors.setdefault(kind, []).append("Each item must be 300 characters or fewer.")
        cleaned[kind] = items
    if errors:
        raise DomainError("Some lists need changing.", errors)
    return cleaned


def _validate(person: Person) -> None:
    person.email = (person.email or "").strip().lower()
    person.nhs_number = normalise_nhs_number(person.nhs_number)
    person.postcode = normalise_postcode(person.postcode)
    for name in ("full_name", "preferred_name", "pronouns", "phone", "address"):
        setattr(person, name, (getattr(person, name) or "").strip())
    try:
        person.full_clean(
            exclude=["hub", "user", "created_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        raise DomainError("Check the details you entered.", exc.message_dict) from exc
    if person.date_of_birth and person.date_of_birth > timezone.localdate():
        raise DomainError(
            "Check the details you entered.",
            {"date_of_birth": ["Date of birth must be in the past."]},
        )
    others = Person.objects.filter(hub_id=person.hub_id).exclude(pk=person.pk)
    errors: dict[str, list[str]] = {}
    if person.email and others.filter(email=person.email).exists():
        errors["email"] = ["Someone in this hub already has this email address."]
    if person.nhs_number and others.filter(nhs_number=person.nhs_number).exists():
        errors["nhs_number"] = ["Someone in this hub already has this NHS number."]
    if errors:
        raise Conflict("This looks like someone already on record.", errors)


def _replace_lists(person: Person, lists: dict[str, list[str]]) -> bool:
    before = sorted((e.kind, e.position, e.text) for e in person.profile_entries.all())
    after = sorted((kind, i, text) for kind, items in lists.items() for i, text in enumerate(items))
    if before == after:
        return False
    person.profile_entries.all().delete()
    ProfileEntry.objects.bulk_create(
        ProfileEntry(person=person, kind=kind, text=text, position=i) for kind, i, text in after
    )
    return True


def _save(person: Person) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        # A competing request took the same email or NHS number between our check and the insert.
        raise Conflict("This looks like someone already on record.") from exc


@transaction.atomic
def create_person(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    lists: Mapping[str, Any] | None = None,
    roles: tuple[str, ...] = (Role.MEMBER,),
) -> Person:
    """Add a person to the actor's hub (as a member unless other roles are given)."""
    if not permissions.can_add_person(actor):
        _refuse()
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    if any(r != Role.MEMBER for r in roles) and not actor.has(Role.ADMINISTRATOR):
        _refuse("Only an administrator can give someone a staff or volunteer role.")
    cleaned_lists = _clean_lists(lists) or {}
    person = Person(
        hub=actor.hub,
        created_by=actor.user,
        **{k: ("" if v is None and k != "date_of_birth" else v) for k, v in data.items()},
    )
    _validate(person)
    _save(person)
    _replace_lists(person, cleaned_lists)
    for role in roles:
        RoleGrant.objects.create(person=person, role=role, granted_by=actor.user)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=person,
        summary="Added this person",
        fields=[f for f in data if data[f]],
    )
    return person


@transaction.atomic
def update_person(
    *,
    actor: Actor,
    person: Person,
    data: Mapping[str, Any],
    lists: Mapping[str, Any] | None = None,
) -> Person:
    """Change a person's details; only the fields given change. Staff, or the person themself."""
    if not permissions.can_edit_person(actor, person):
        _refuse()
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    cleaned_lists = _clean_lists(lists)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if cleaned_lists is not None and lists is not None:
        # As with the fields, only the lists given change: an API PATCH naming one list keeps the others.
        for entry in person.profile_entries.all():
            if entry.kind not in lists:
                cleaned_lists[entry.kind].append(entry.text)
    before = {f: getattr(person, f) for f in PERSON_FIELDS}
    for field, value in data.items():
        setattr(person, field, "" if value is None and field != "date_of_birth" else value)
    _validate(person)
    changed = [f for f in PERSON_FIELDS if getattr(person, f) != before[f]]
    if cleaned_lists is not None and _replace_lists(person, cleaned_lists):
        changed.append("what matters and what they can offer")
    if not changed:
        return person
    person.updated_at = timezone.now()
    _save(person)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=person,
        summary="Changed details" if not actor.is_self(person) else "Corrected their own details",
        fields=changed,
    )
    return person


@transaction.atomic
def record_consent(
    *,
    actor: Actor,
    person: Person,
    purpose: str,
    granted: bool,
    method: str,
    detail: str = "",
) -> ConsentEvent:
    """Record a yes or a no (a withdrawal is a new "no") for one purpose."""
    if not permissions.can_record_consent(actor, person):
        _refuse()
    errors: dict[str, list[str]] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = ["Choose what the consent is for."]
    if method not in ConsentEvent.Method.values:
        errors["method"] = ["Choose how the person told us."]
    if len(detail or "") > 500:
        errors["detail"] = ["Keep this to 500 characters or fewer."]
    if not isinstance(granted, bool):
        errors["granted"] = ["Choose yes or no."]
    if errors:
        raise DomainError("Check the consent details.", errors)
    event = ConsentEvent.objects.create(
        person=person,
        purpose=purpose,
        granted=granted,
        method=method,
        detail=(detail or "").strip(),
        recorded_by=actor.user,
        recorded_by_label=actor.label,
    )
    answer = "gave" if granted else "did not give (or withdrew)"
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CONSENT,
        person=person,
        obj=event,
        summary=f"Consent {answer}: {ConsentPurpose(purpose).label}",
    )
    return event


@transaction.atomic
def set_roles(*, actor: Actor, person: Person, roles: set[str]) -> Person:
    """Replace the roles a person holds in the hub. Administrators only."""
    if not permissions.can_manage_roles(actor, person):
        _refuse()
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise DomainError(f"Unknown role: {', '.join(sorted(unknown))}.")
    if actor.is_self(person) and Role.ADMINISTRATOR not in roles:
        raise DomainError("You cannot remove your own administrator role.")
    current = set(person.role_grants.values_list("role", flat=True))
    RoleGrant.objects.filter(person=person, role__in=current - roles).delete()
    for role in sorted(roles - current):
        RoleGrant.objects.create(person=person, role=role, granted_by=actor.user)
    if current != roles:
        audit.record(
            actor=actor,
            action=AuditEvent.Action.ROLE,
            person=person,
            summary=f"Roles now: {', '.join(Role(r).label for r in sorted(roles)) or 'none'}",
        )
    return person


def _send_set_password_email(user: User) -> None:
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.COPRODUCE_SITE_URL.rstrip("/") + reverse(
        "core:password-reset-confirm", kwargs={"uidb64": uid, "token": token}
    )
    send_mail(
        subject="Your Coproduce login",
        message=(
            f"Hello,\n\nYou now have a Coproduce login. Your username is: {user.get_username()}\n"
            f"Choose your password here (the link works once):\n\n{link}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def create_login(*, actor: Actor, person: Person, username: str, password: str | None) -> User:
    """Give a person a login (many members never have one). Administrators only.

    Without a password, a person with an email address is sent a link to choose one (after commit).
    """
    if not permissions.can_manage_roles(actor, person):
        _refuse()
    if person.user_id:
        raise Conflict("This person already has a login.")
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise DomainError("Choose another username.", {"username": exc.messages}) from exc
    if not username or len(username) > 150:
        raise DomainError("Choose another username.", {"username": ["Use 1 to 150 characters."]})
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("That username is taken.", {"username": ["That username is taken."]})
    if password is not None:
        # The same checks as when people choose their own: long enough, not a common password.
        try:
            validate_password(password, User(username=username, email=person.email))
        except ValidationError as exc:
            raise DomainError("Choose another password.", {"password": exc.messages}) from exc
    user = User.objects.create_user(username=username, email=person.email, password=password)
    person.user = user
    person.save(update_fields=["user"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=person,
        summary="Gave this person a login",
        fields=["user"],
    )
    if password is None and person.email:
        transaction.on_commit(lambda: _send_set_password_email(user))
    return user


@transaction.atomic
def create_hub(*, name: str, slug: str) -> Hub:
    if Hub.objects.filter(slug=slug).exists():
        raise Conflict(f"A hub called {slug} already exists.")
    return Hub.objects.create(name=name, slug=slug)


def bootstrap_administrator(*, hub: Hub, user: User, full_name: str) -> Person:
    """The first administrator of a new hub; there is no actor yet to grant the role."""
    with transaction.atomic():
        person = Person.objects.create(hub=hub, user=user, full_name=full_name, email=user.email)
        RoleGrant.objects.create(person=person, role=Role.ADMINISTRATOR)
        audit.record(
            actor=Actor(user=None, hub=hub),
            action=AuditEvent.Action.CREATE,
            person=person,
            summary="First administrator of the hub",
        )
    return person
