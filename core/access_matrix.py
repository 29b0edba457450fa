"""Who may reach what: every named route in the project, for every role and for anonymous visitors.

This table is the authorization policy written down as data. `tests/authz/test_matrix.py` signs in as
someone holding each role and tries every cell; `manage.py render_access_matrix` writes it out as
docs/authorization-matrix.md. A new route with no row here fails CI.

How to read a row:

- `get` / `post` / `patch`: who may use the route with that method. `Access(yes, away=...)`: the
  subjects in `yes` are let in (a page, a download, a form error, or a redirect after a write); those in
  `away` are sent elsewhere (a redirect that shows and writes nothing, such as the time bank sending
  someone with no account to its join page); everyone else is refused (403 or 404, or sent to sign in
  when anonymous). A route with no `post` takes no writes.
- `obj`: the object type the route's URL arguments name. For those routes the cell also depends on
  the relation between the asker and the object. Riverside's object of each type is owned by Mo, so the
  `member` column is "my own" and `member2` (Mia, another member) is "someone else's, in my hub"; every
  other column is "in my hub". `other_hub` says who may reach the same kind of object in another hub
  when they guess its id (nobody, unless the object is public, like a directory service).
- Staff roles (link worker, broker, coordinator, commissioner, administrator) have passed two-factor;
  core.middleware sends them to the two-factor page before anything else otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The columns: anonymous visitors, then one person per role in the hub. `member` owns the hub's objects;
# `member2` is a member who does not.
SUBJECTS: tuple[str, ...] = (
    "anonymous",
    "member",
    "member2",
    "peer",
    "volunteer",
    "link_worker",
    "broker",
    "referrer",
    "coordinator",
    "commissioner",
    "administrator",
)
SUBJECT_LABELS: dict[str, str] = {
    "anonymous": "Anonymous",
    "member": "Member (own)",
    "member2": "Member (another's)",
    "peer": "Peer supporter",
    "volunteer": "Volunteer",
    "link_worker": "Link worker",
    "broker": "Broker",
    "referrer": "Referrer",
    "coordinator": "Coordinator",
    "commissioner": "Commissioner",
    "administrator": "Administrator",
}
(
    ANON,
    MEMBER,
    MEMBER2,
    PEER,
    VOLUNTEER,
    LINK_WORKER,
    BROKER,
    REFERRER,
    COORDINATOR,
    COMMISSIONER,
    ADMINISTRATOR,
) = SUBJECTS

EVERYONE: frozenset[str] = frozenset(SUBJECTS)
SIGNED_IN: frozenset[str] = EVERYONE - {ANON}
NOBODY: frozenset[str] = frozenset()

YES, NO, AWAY = "yes", "no", "away"


@dataclass(frozen=True)
class Access:
    """Who is let in (`yes`) and who is sent elsewhere (`away`); everyone else is refused."""

    yes: frozenset[str] | set[str]
    away: frozenset[str] | set[str] = NOBODY

    def __post_init__(self) -> None:
        object.__setattr__(self, "yes", frozenset(self.yes))
        object.__setattr__(self, "away", frozenset(self.away))
        unknown = (self.yes | self.away) - EVERYONE
        if unknown or self.yes & self.away:
            raise ValueError(f"Bad cell: {sorted(unknown) or sorted(self.yes & self.away)}")

    def outcome(self, subject: str) -> str:
        if subject in self.yes:
            return YES
        return AWAY if subject in self.away else NO


@dataclass(frozen=True)
class Route:
    name: str
    get: Access
    post: Access | None = None
    patch: Access | None = None
    obj: str = ""
    other_hub: frozenset[str] | set[str] = NOBODY
    # Signing out lands on the sign-in page: for this route that is success, not a refusal.
    lands_on_sign_in: bool = False
    args: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def app(self) -> str:
        prefix = self.name.split(":")[0] if ":" in self.name else "core"
        return prefix.removesuffix("-api")

    def methods(self) -> dict[str, Access]:
        found = {"GET": self.get, "POST": self.post, "PATCH": self.patch}
        return {method: access for method, access in found.items() if access is not None}


# The object types URL arguments name, and what each is in the fixture. `shared` types belong to no hub.
OBJECT_TYPES: dict[str, str] = {
    "hub": "a hub, named by its slug (public pages: prospectus, self-referral, impact report)",
    "person": "a person's record in a hub (Mo's own record)",
    "directory service": "a service in the community directory (public, in HSDS too)",
    "organisation": "an HSDS organisation (public)",
    "service at location": "an HSDS service at a location (public)",
    "taxonomy": "an HSDS taxonomy (shared by every hub)",
    "taxonomy term": "an HSDS taxonomy term (shared by every hub)",
    "time-bank account": "Mo's time-bank account",
    "listing": "Mo's offer on the time-bank board",
    "exchange": "an exchange Mo recorded, giving time to another member",
    "transfer": "a broker's award of credits to Mo",
    "way to spend": "a partner's way to spend credits",
    "course": "a recovery college course",
    "course run": "a published run of that course (public in the prospectus)",
    "course session": "a session of that run",
    "facilitator": "the practitioner co-facilitating that run",
    "enrolment": "Mo's enrolment on that run",
    "community group": "a community group",
    "group meeting": "a past meeting of that group",
    "volunteer role": "a volunteer role",
    "volunteer application": "Mo's application for that role",
    "development day": "a volunteers' development day",
    "availability": "the peer supporter's on-call availability",
    "on-call period": "the peer supporter's on-call period",
    "support service": "a support service with its pathway",
    "referral": "Mo's accepted referral, with the link worker assigned",
    "onward referral": "an onward referral of Mo to a directory service",
    "follow-up": "a follow-up due on Mo's referral",
    "referrer letter": "what the referrer was told about Mo's referral",
    "worker": "the link worker whose caseload it is",
    "plan": "Mo's crisis plan",
    "plan supporter": "the peer supporter Mo named on that plan",
    "sroi model": "a Social Return on Investment model",
    "sroi outcome": "an outcome in that model",
    "cost comparison": "a cost-avoided comparison",
    "reflection round": "a self-reflection round (its answer code is public by design)",
    "statement": "a self-reflection statement",
    "action plan": "a co-led action plan (Mo is the member lead of its action)",
    "action": "an action in that plan",
    "catalogue case": "a case study in the catalogue (shared by every hub)",
    "rights request": "Mo's open request to correct his record",
    "erasure request": "Mo's open request to erase his record (his open referral blocks carrying it out)",
}
SHARED_TYPES = frozenset({"taxonomy", "taxonomy term", "catalogue case"})

# URL keyword argument -> (object type, attribute). Routes override in `Route.args`.
ARGS: dict[str, tuple[str, str]] = {
    "person_id": ("person", "pk"),
    "listing_id": ("listing", "pk"),
    "exchange_id": ("exchange", "pk"),
    "account_id": ("time-bank account", "pk"),
    "transfer_id": ("transfer", "pk"),
    "way_id": ("way to spend", "pk"),
    "course_id": ("course", "pk"),
    "run_id": ("course run", "pk"),
    "facilitator_id": ("facilitator", "pk"),
    "enrolment_id": ("enrolment", "pk"),
    "session_id": ("course session", "pk"),
    "group_id": ("community group", "pk"),
    "meeting_id": ("group meeting", "pk"),
    "period_id": ("on-call period", "pk"),
    "availability_id": ("availability", "pk"),
    "role_id": ("volunteer role", "pk"),
    "application_id": ("volunteer application", "pk"),
    "day_id": ("development day", "pk"),
    "hub_slug": ("hub", "slug"),
    "referral_id": ("referral", "pk"),
    "onward_id": ("onward referral", "pk"),
    "follow_up_id": ("follow-up", "pk"),
    "message_id": ("referrer letter", "pk"),
    "peer_id": ("plan supporter", "pk"),
    "model_id": ("sroi model", "pk"),
    "outcome_id": ("sroi outcome", "pk"),
    "comparison_id": ("cost comparison", "pk"),
    "round_id": ("reflection round", "pk"),
    "statement_id": ("statement", "pk"),
    "action_id": ("action", "pk"),
    "request_id": ("rights request", "pk"),
}
# Arguments that name no object: the value used for them.
CONSTANT_ARGS: dict[str, str | int] = {
    "uidb64": "MQ",
    "token": "not-a-token",
    "what": "day",
    "kind": "crisis",
    "number": 1,
    "code": "ons4",  # impact:record names a questionnaire every hub has, not an object
}

_HSDS = {
    "directory:hsds-service": "directory service",
    "directory:hsds-organization": "organisation",
    "directory:hsds-service-at-location": "service at location",
    "directory:hsds-taxonomy": "taxonomy",
    "directory:hsds-taxonomy-term": "taxonomy term",
}
ROUTE_ARGS: dict[str, dict[str, tuple[str, str]]] = {
    **{name: {"pk": (kind, "pk")} for name, kind in _HSDS.items()},
    "support:worker-caseload": {"person_id": ("worker", "pk")},
    "impact:report": {"slug": ("hub", "slug")},
    "impact:report-pdf": {"slug": ("hub", "slug")},
    "impact:report-xlsx": {"slug": ("hub", "slug")},
    "practice:case": {"slug": ("catalogue case", "slug")},
    "practice:anonymous": {"code": ("reflection round", "member_code")},
    "practice:plan": {"plan_id": ("action plan", "pk")},
    # Refusing an erasure request is for coordinators and administrators only, where a correction may
    # also be refused by a link worker: the row tries the stricter case (rights/permissions.py).
    "rights:refuse": {"request_id": ("erasure request", "pk")},
    "rights:erase": {"request_id": ("erasure request", "pk")},
}


def arg_spec(route_name: str, kwarg: str) -> tuple[str, str] | None:
    """The (object type, attribute) that fills a URL argument, or None for a constant."""
    if kwarg in ROUTE_ARGS.get(route_name, {}):
        return ROUTE_ARGS[route_name][kwarg]
    if kwarg == "service_id":
        return (
            ("directory service", "pk") if route_name.startswith("directory:") else ("support service", "pk")
        )
    if kwarg == "plan_id":
        return ("plan", "pk") if route_name.startswith("support:") else ("action plan", "pk")
    return ARGS.get(kwarg)


ROUTES: tuple[Route, ...] = (
    # ---- core ----
    Route("core:home", get=Access(SIGNED_IN)),
    Route("core:health", get=Access(EVERYONE)),
    Route("core:switch-hub", get=Access(NOBODY), post=Access(SIGNED_IN)),
    Route("core:login", get=Access(EVERYONE), post=Access(EVERYONE)),
    Route("core:logout", get=Access(NOBODY), post=Access(EVERYONE), lands_on_sign_in=True),
    Route("core:two-factor", get=Access(SIGNED_IN), post=Access(SIGNED_IN)),
    Route("core:password-reset", get=Access(EVERYONE), post=Access(EVERYONE)),
    Route("core:password-reset-sent", get=Access(EVERYONE)),
    Route("core:password-reset-confirm", get=Access(EVERYONE), post=Access(EVERYONE)),
    Route("core:password-reset-complete", get=Access(EVERYONE)),
    Route("api-schema", get=Access(EVERYONE)),
    # ---- people ----
    Route("people:list", get=Access({LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR})),
    Route(
        "people:add",
        get=Access({LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
        post=Access({LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "people:detail", obj="person", get=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR})
    ),
    Route(
        "people:edit",
        obj="person",
        get=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
        post=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "people:consent",
        obj="person",
        get=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR}),
        post=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR}),
    ),
    Route("people:roles", obj="person", get=Access({ADMINISTRATOR}), post=Access({ADMINISTRATOR})),
    Route("people:login", obj="person", get=Access({ADMINISTRATOR}), post=Access({ADMINISTRATOR})),
    Route("people:me", get=Access(SIGNED_IN)),
    Route("people:audit", get=Access({ADMINISTRATOR})),
    Route(
        "people-api:list",
        get=Access({LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
        post=Access({LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "people-api:detail",
        obj="person",
        get=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
        patch=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "people-api:consents",
        obj="person",
        get=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR, ADMINISTRATOR}),
        post=Access({MEMBER, LINK_WORKER, BROKER, COORDINATOR}),
    ),
    Route("people-api:audit", obj="person", get=Access({MEMBER, COORDINATOR, ADMINISTRATOR})),
    Route("people-api:me", get=Access(SIGNED_IN)),
    # ---- directory ----
    Route("directory:hsds-root", get=Access(EVERYONE)),
    Route("directory:hsds-services", get=Access(EVERYONE)),
    Route("directory:hsds-service", obj="directory service", get=Access(EVERYONE), other_hub=EVERYONE),
    Route("directory:hsds-organizations", get=Access(EVERYONE)),
    Route("directory:hsds-organization", obj="organisation", get=Access(EVERYONE), other_hub=EVERYONE),
    Route("directory:hsds-service-at-locations", get=Access(EVERYONE)),
    Route(
        "directory:hsds-service-at-location",
        obj="service at location",
        get=Access(EVERYONE),
        other_hub=EVERYONE,
    ),
    Route("directory:hsds-taxonomies", get=Access(EVERYONE)),
    Route("directory:hsds-taxonomy", obj="taxonomy", get=Access(EVERYONE), other_hub=EVERYONE),
    Route("directory:hsds-taxonomy-terms", get=Access(EVERYONE)),
    Route("directory:hsds-taxonomy-term", obj="taxonomy term", get=Access(EVERYONE), other_hub=EVERYONE),
    Route("directory:search", get=Access(EVERYONE)),
    Route("directory:manage", get=Access({LINK_WORKER, COORDINATOR})),
    Route("directory:due", get=Access({LINK_WORKER, COORDINATOR})),
    Route("directory:add", get=Access({LINK_WORKER, COORDINATOR}), post=Access({LINK_WORKER, COORDINATOR})),
    Route("directory:service", obj="directory service", get=Access(EVERYONE), other_hub=EVERYONE),
    Route(
        "directory:edit",
        obj="directory service",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "directory:verify",
        obj="directory service",
        get=Access(NOBODY),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route("directory:retire", obj="directory service", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("directory:share", obj="directory service", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    # ---- timebank ----
    Route("timebank:home", get=Access(SIGNED_IN)),
    Route(
        "timebank:join",
        get=Access(NOBODY),
        post=Access(SIGNED_IN - {LINK_WORKER, REFERRER, COMMISSIONER, ADMINISTRATOR}),
    ),
    Route("timebank:digest", get=Access(NOBODY), post=Access(SIGNED_IN)),
    Route("timebank:board", get=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR})),
    Route(
        "timebank:listing-new",
        get=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR}),
        post=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR}),
    ),
    Route("timebank:listing", obj="listing", get=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR})),
    Route(
        "timebank:listing-edit",
        obj="listing",
        get=Access({MEMBER, BROKER, COORDINATOR}),
        post=Access({MEMBER, BROKER, COORDINATOR}),
    ),
    Route(
        "timebank:listing-close",
        obj="listing",
        get=Access(NOBODY),
        post=Access({MEMBER, BROKER, COORDINATOR}),
    ),
    Route(
        "timebank:exchange-new",
        get=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
        post=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
    ),
    Route("timebank:exchange", obj="exchange", get=Access({MEMBER, BROKER, COORDINATOR})),
    Route(
        "timebank:exchange-confirm", obj="exchange", get=Access(NOBODY), post=Access({BROKER, COORDINATOR})
    ),
    Route(
        "timebank:exchange-decline",
        obj="exchange",
        get=Access(NOBODY),
        post=Access({MEMBER, BROKER, COORDINATOR}),
    ),
    Route(
        "timebank:donate",
        get=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
        post=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
    ),
    Route(
        "timebank:spend",
        get=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
        post=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
    ),
    Route(
        "timebank:send",
        get=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
        post=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER}),
    ),
    Route("timebank:statement", get=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER})),
    Route("timebank:statement-csv", get=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER})),
    Route("timebank:statement-pdf", get=Access({MEMBER, PEER}, away=SIGNED_IN - {MEMBER, PEER})),
    Route("timebank:account-statement", obj="time-bank account", get=Access({MEMBER, BROKER, COORDINATOR})),
    Route(
        "timebank:account-statement-csv", obj="time-bank account", get=Access({MEMBER, BROKER, COORDINATOR})
    ),
    Route(
        "timebank:account-statement-pdf", obj="time-bank account", get=Access({MEMBER, BROKER, COORDINATOR})
    ),
    Route("timebank:broker-dashboard", get=Access({BROKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR})),
    Route("timebank:broker-approvals", get=Access({BROKER, COORDINATOR})),
    Route(
        "timebank:broker-approve-member",
        obj="time-bank account",
        get=Access(NOBODY),
        post=Access({BROKER, COORDINATOR}),
    ),
    Route(
        "timebank:broker-approve-exchange",
        obj="exchange",
        get=Access({BROKER, COORDINATOR}),
        post=Access({BROKER, COORDINATOR}),
    ),
    Route(
        "timebank:broker-decline-exchange",
        obj="exchange",
        get=Access(NOBODY),
        post=Access({BROKER, COORDINATOR}),
    ),
    Route("timebank:broker-accounts", get=Access({BROKER, COORDINATOR})),
    Route("timebank:broker-account", obj="time-bank account", get=Access({BROKER, COORDINATOR})),
    Route(
        "timebank:broker-reverse",
        obj="transfer",
        get=Access({BROKER, COORDINATOR}),
        post=Access({BROKER, COORDINATOR}),
    ),
    Route(
        "timebank:broker-time-sheet", get=Access({BROKER, COORDINATOR}), post=Access({BROKER, COORDINATOR})
    ),
    Route(
        "timebank:broker-time-sheet-upload",
        get=Access({BROKER, COORDINATOR}),
        post=Access({BROKER, COORDINATOR}),
    ),
    Route("timebank:broker-group", get=Access({BROKER, COORDINATOR}), post=Access({BROKER, COORDINATOR})),
    Route("timebank:broker-award", get=Access({BROKER, COORDINATOR}), post=Access({BROKER, COORDINATOR})),
    Route("timebank:broker-pot", get=Access({BROKER, COORDINATOR}), post=Access({BROKER, COORDINATOR})),
    Route("timebank:broker-partners", get=Access({BROKER, COORDINATOR})),
    Route(
        "timebank:broker-partner-add", get=Access({BROKER, COORDINATOR}), post=Access({BROKER, COORDINATOR})
    ),
    Route("timebank:broker-way-add", get=Access({BROKER, COORDINATOR}), post=Access({BROKER, COORDINATOR})),
    Route(
        "timebank:broker-way-retire",
        obj="way to spend",
        get=Access(NOBODY),
        post=Access({BROKER, COORDINATOR}),
    ),
    Route("timebank:broker-settings", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("timebank-api:accounts", get=Access(SIGNED_IN)),
    Route("timebank-api:account", obj="time-bank account", get=Access({MEMBER, BROKER, COORDINATOR})),
    Route("timebank-api:entries", obj="time-bank account", get=Access({MEMBER, BROKER, COORDINATOR})),
    Route("timebank-api:transfers", get=Access(NOBODY), post=Access(SIGNED_IN)),
    Route("timebank-api:exchanges", get=Access(NOBODY), post=Access({MEMBER, PEER, BROKER, COORDINATOR})),
    Route(
        "timebank-api:confirm-exchange",
        obj="exchange",
        get=Access(NOBODY),
        post=Access({BROKER, COORDINATOR}),
    ),
    Route(
        "timebank-api:offers",
        get=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR}),
        post=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR}),
    ),
    Route(
        "timebank-api:requests",
        get=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR}),
        post=Access(SIGNED_IN - {REFERRER, COMMISSIONER, ADMINISTRATOR}),
    ),
    # ---- groups ----
    Route("groups:home", get=Access(SIGNED_IN)),
    Route("groups:mine", get=Access(SIGNED_IN)),
    Route("groups:manage", get=Access({COORDINATOR})),
    Route("groups:course-add", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("groups:course", obj="course", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("groups:course-edit", obj="course", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("groups:run-add", obj="course", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:run-manage", obj="course run", get=Access({COORDINATOR}, away={PEER, LINK_WORKER})),
    Route("groups:session-add", obj="course run", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:facilitator-add", obj="course run", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:facilitator-remove", obj="facilitator", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:publish", obj="course run", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:cancel-run", obj="course run", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route(
        "groups:enrol-someone",
        obj="course run",
        get=Access(NOBODY),
        post=Access({PEER, LINK_WORKER, COORDINATOR}),
    ),
    Route("groups:reports", get=Access({LINK_WORKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR})),
    Route("groups:run", obj="course run", get=Access(EVERYONE), other_hub=EVERYONE),
    Route(
        "groups:enrol", obj="course run", get=Access(NOBODY), post=Access({MEMBER, MEMBER2, PEER, VOLUNTEER})
    ),
    Route(
        "groups:plan",
        obj="enrolment",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR}),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "groups:cancel",
        obj="enrolment",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR}),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR}),
    ),
    Route("groups:certificate", obj="enrolment", get=Access(NOBODY)),
    Route(
        "groups:register",
        obj="course session",
        get=Access({PEER, LINK_WORKER, COORDINATOR}),
        post=Access({PEER, LINK_WORKER, COORDINATOR}),
    ),
    Route("groups:groups", get=Access(SIGNED_IN)),
    Route("groups:group", obj="community group", get=Access(SIGNED_IN), post=Access({COORDINATOR})),
    Route("groups:group-add", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("groups:group-edit", obj="community group", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route(
        "groups:group-join",
        obj="community group",
        get=Access(NOBODY),
        post=Access({MEMBER, MEMBER2, PEER, VOLUNTEER}),
    ),
    Route(
        "groups:meeting-count",
        obj="group meeting",
        get=Access(NOBODY),
        post=Access({COORDINATOR}),
    ),
    Route("groups:rota", get=Access({COORDINATOR})),
    Route("groups:rota-put", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:rota-cancel", obj="on-call period", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:rota-cover", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:rota-credit", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:availability", get=Access({PEER}), post=Access({PEER})),
    Route(
        "groups:availability-withdraw",
        obj="availability",
        get=Access(NOBODY),
        post=Access({PEER, COORDINATOR}),
    ),
    Route("groups:crisis-call", get=Access({PEER, LINK_WORKER, COORDINATOR})),
    Route("groups:volunteering", get=Access(SIGNED_IN)),
    Route("groups:apply", obj="volunteer role", get=Access(NOBODY), post=Access(SIGNED_IN)),
    Route("groups:decide", obj="volunteer application", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:nominate", get=Access(NOBODY), post=Access({PEER, VOLUNTEER})),
    Route("groups:my-hours", get=Access(NOBODY), post=Access({PEER, VOLUNTEER})),
    Route("groups:volunteer-manage", get=Access({COORDINATOR})),
    Route("groups:role-open", obj="volunteer role", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:volunteer-record", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:build-agenda", obj="development day", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("groups:prospectus", obj="hub", get=Access(EVERYONE), other_hub=EVERYONE),
    Route("groups:prospectus-pdf", obj="hub", get=Access(EVERYONE), other_hub=EVERYONE),
    # ---- support ----
    Route("support:home", get=Access(SIGNED_IN)),
    Route(
        "support:self-referral", obj="hub", get=Access(EVERYONE), post=Access(EVERYONE), other_hub=EVERYONE
    ),
    Route("support:self-referral-thanks", obj="hub", get=Access(EVERYONE), other_hub=EVERYONE),
    Route("support:referrals", get=Access({LINK_WORKER, COORDINATOR})),
    Route(
        "support:referral-new",
        get=Access({LINK_WORKER, REFERRER, COORDINATOR}),
        post=Access({LINK_WORKER, REFERRER, COORDINATOR}),
    ),
    Route("support:mine", get=Access({REFERRER})),
    Route("support:upload", get=Access({LINK_WORKER, COORDINATOR}), post=Access({LINK_WORKER, COORDINATOR})),
    Route("support:upload-template", get=Access({LINK_WORKER, COORDINATOR})),
    Route("support:referral", obj="referral", get=Access({MEMBER, LINK_WORKER, COORDINATOR})),
    Route(
        "support:referral-link", obj="referral", get=Access(NOBODY), post=Access({LINK_WORKER, COORDINATOR})
    ),
    Route(
        "support:referral-exclusions",
        obj="referral",
        get=Access(NOBODY),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:referral-decide",
        obj="referral",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:session-new",
        obj="referral",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:hand-over",
        obj="referral",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:next-action",
        obj="referral",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:conversation",
        obj="referral",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:onward-new",
        obj="referral",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:close",
        obj="referral",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:onward-update",
        obj="onward referral",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR}),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR}),
    ),
    Route("support:onward-not-completed", get=Access({LINK_WORKER, COORDINATOR})),
    Route("support:follow-ups", get=Access({LINK_WORKER, COORDINATOR})),
    Route(
        "support:follow-up",
        obj="follow-up",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route("support:letter", obj="referrer letter", get=Access({LINK_WORKER, COORDINATOR})),
    Route("support:triage", get=Access({LINK_WORKER, COORDINATOR})),
    Route("support:caseload", get=Access({LINK_WORKER, COORDINATOR})),
    Route("support:worker-caseload", obj="worker", get=Access({LINK_WORKER, COORDINATOR})),
    Route("support:my-plans", get=Access(SIGNED_IN)),
    Route("support:plans", obj="person", get=Access({MEMBER, LINK_WORKER, COORDINATOR})),
    Route(
        "support:plan-edit",
        obj="person",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR}),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR}),
    ),
    Route("support:plan", obj="plan", get=Access({MEMBER, LINK_WORKER, COORDINATOR})),
    Route("support:plan-history", obj="plan", get=Access({MEMBER, LINK_WORKER, COORDINATOR})),
    Route("support:plan-version", obj="plan", get=Access({MEMBER, LINK_WORKER, COORDINATOR})),
    Route("support:plan-pdf", obj="plan", get=Access({MEMBER, LINK_WORKER, COORDINATOR})),
    Route(
        "support:supporters",
        obj="plan",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR}),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "support:supporter-remove",
        obj="plan supporter",
        get=Access(NOBODY),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR}),
    ),
    Route("support:crisis-plans", get=Access({PEER})),
    Route("support:on-call", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("support:on-call-cancel", obj="on-call period", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("support:reports", get=Access({LINK_WORKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR})),
    Route("support:settings", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("support:service-new", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route(
        "support:service-edit", obj="support service", get=Access({COORDINATOR}), post=Access({COORDINATOR})
    ),
    Route(
        "support:pathway-edit", obj="support service", get=Access({COORDINATOR}), post=Access({COORDINATOR})
    ),
    Route("support:sections", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("support:clinical-codes", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route(
        "support-api:referrals",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, REFERRER, COORDINATOR}),
    ),
    Route("support-api:upload", get=Access(NOBODY), post=Access(SIGNED_IN)),
    Route("support-api:referral", obj="referral", get=Access({MEMBER, LINK_WORKER, COORDINATOR})),
    Route("support-api:eligibility", obj="referral", get=Access({LINK_WORKER, COORDINATOR})),
    Route(
        "support-api:decision", obj="referral", get=Access(NOBODY), post=Access({LINK_WORKER, COORDINATOR})
    ),
    Route(
        "support-api:sessions",
        obj="referral",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route("support-api:my-referrals", get=Access(SIGNED_IN)),
    Route("support-api:caseload", get=Access({LINK_WORKER, COORDINATOR})),
    Route("support-api:self-referral", get=Access(NOBODY), post=Access(EVERYONE)),
    # ---- impact ----
    Route("impact:index", get=Access({COORDINATOR, COMMISSIONER, ADMINISTRATOR})),
    Route("impact:report", obj="hub", get=Access({COORDINATOR, COMMISSIONER, ADMINISTRATOR})),
    Route("impact:report-pdf", obj="hub", get=Access({COORDINATOR, COMMISSIONER, ADMINISTRATOR})),
    Route("impact:report-xlsx", obj="hub", get=Access({COORDINATOR, COMMISSIONER, ADMINISTRATOR})),
    Route("impact:new-model", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("impact:model", obj="sroi model", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("impact:remove-outcome", obj="sroi model", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("impact:example-proxies", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("impact:new-comparison", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("impact:comparison", obj="cost comparison", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("impact:record", get=Access(SIGNED_IN), post=Access(SIGNED_IN)),
    # ---- practice ----
    Route("practice:home", get=Access(SIGNED_IN)),
    Route("practice:round-add", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("practice:round", obj="reflection round", get=Access({COORDINATOR})),
    Route("practice:invite", obj="reflection round", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("practice:close", obj="reflection round", get=Access(NOBODY), post=Access({COORDINATOR})),
    Route("practice:answer", obj="reflection round", get=Access(NOBODY), post=Access(NOBODY)),
    Route(
        "practice:paper",
        obj="reflection round",
        get=Access({LINK_WORKER, COORDINATOR}),
        post=Access({LINK_WORKER, COORDINATOR}),
    ),
    Route(
        "practice:report",
        obj="reflection round",
        get=Access({LINK_WORKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR}),
    ),
    Route(
        "practice:report-pdf",
        obj="reflection round",
        get=Access({LINK_WORKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR}),
    ),
    Route("practice:code", get=Access(EVERYONE), post=Access(EVERYONE)),
    Route(
        "practice:anonymous",
        obj="reflection round",
        get=Access(EVERYONE),
        post=Access(EVERYONE),
        other_hub=EVERYONE,
    ),
    Route("practice:statements", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("practice:statement", obj="statement", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route(
        "practice:depth",
        get=Access({LINK_WORKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR}),
        post=Access({COORDINATOR}),
    ),
    Route(
        "practice:plans",
        get=Access({LINK_WORKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR}),
        post=Access({COORDINATOR}),
    ),
    Route(
        "practice:plan",
        obj="action plan",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR, COMMISSIONER, ADMINISTRATOR}),
        post=Access({COORDINATOR}),
    ),
    Route(
        "practice:action-status",
        obj="action",
        get=Access(NOBODY),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR}),
    ),
    Route("practice:portfolio", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("practice:stakeholders", get=Access({COORDINATOR}), post=Access({COORDINATOR})),
    Route("practice:catalogue", get=Access(SIGNED_IN)),
    Route("practice:case", obj="catalogue case", get=Access(SIGNED_IN), other_hub=SIGNED_IN),
    # ---- rights ----
    # Everyone in the cast has a record in the hub, so "my page" sends each to their own.
    Route("rights:mine", get=Access(SIGNED_IN)),
    Route("rights:person", obj="person", get=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR})),
    Route(
        "rights:download",
        obj="person",
        get=Access(NOBODY),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "rights:correction",
        obj="person",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "rights:erasure",
        obj="person",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route("rights:requests", get=Access({LINK_WORKER, COORDINATOR, ADMINISTRATOR})),
    Route(
        "rights:request",
        obj="rights request",
        get=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
    ),
    # Nobody completes their own request: Mo, whose request it is, is refused.
    Route(
        "rights:complete",
        obj="rights request",
        get=Access(NOBODY),
        post=Access({LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "rights:refuse", obj="erasure request", get=Access(NOBODY), post=Access({COORDINATOR, ADMINISTRATOR})
    ),
    Route(
        "rights:withdraw",
        obj="rights request",
        get=Access(NOBODY),
        post=Access({MEMBER, LINK_WORKER, COORDINATOR, ADMINISTRATOR}),
    ),
    Route(
        "rights:erase",
        obj="erasure request",
        get=Access({COORDINATOR, ADMINISTRATOR}),
        post=Access({COORDINATOR, ADMINISTRATOR}),
    ),
)

BY_NAME: dict[str, Route] = {route.name: route for route in ROUTES}
if len(BY_NAME) != len(ROUTES):
    raise ValueError("A route appears twice in the access matrix.")

APPS: tuple[str, ...] = (
    "core",
    "people",
    "directory",
    "timebank",
    "groups",
    "support",
    "impact",
    "practice",
    "rights",
)
MARKS = {YES: "yes", NO: "·", AWAY: "→"}


def counts() -> dict[str, int]:
    """Routes, subjects and cells (one per route, method and subject, plus the other-hub cells)."""
    cells = sum(len(route.methods()) * len(SUBJECTS) for route in ROUTES)
    # Each signed-in subject guesses the other hub's object; the other hub's staff and member guess ours.
    guessers = len(SIGNED_IN) + 2
    other = sum(len(r.methods()) * guessers for r in ROUTES if r.obj and r.obj not in SHARED_TYPES)
    return {
        "routes": len(ROUTES),
        "object_routes": sum(1 for route in ROUTES if route.obj),
        "subjects": len(SUBJECTS),
        "cells": cells,
        "other_hub_cells": other,
    }


def render_markdown() -> str:
    """docs/authorization-matrix.md: the full grid, grouped by app, then the object types."""
    figures = counts()
    head = ["route", "method", *[SUBJECT_LABELS[s] for s in SUBJECTS], "object", "other hub's object"]
    lines = [
        "# Authorization matrix",
        "",
        "Generated from `core/access_matrix.py` by `manage.py render_access_matrix`; do not edit by hand.",
        "A test (`tests/authz/test_matrix.py`) signs in as each role and tries every cell, and another",
        "checks this file matches the table.",
        "",
        f"{figures['routes']} routes ({figures['object_routes']} of them name an object), "
        f"{figures['subjects']} columns (anonymous and each role), {figures['cells']} cells in the grid "
        f"and {figures['other_hub_cells']} more where someone asks for another hub's object by guessing "
        "its id.",
        "",
        "- **yes**: let in (a page, a download, a form's errors, or a redirect after a write).",
        "- **·**: refused (403 or 404; anonymous visitors are sent to sign in).",
        "- **→**: sent elsewhere, shown and written nothing (for example, someone with no time-bank account",
        "  is sent to the page where they can join).",
        "- **Member (own)** is Mo, who owns the hub's objects (his plan, his referral, his listing);",
        "  **Member (another's)** is Mia, another member of the same hub. Every other column is someone in",
        "  the same hub as the object.",
        "- **other hub's object**: who may open the same kind of object in another hub by guessing its",
        "  id. Only public objects (directory services, the prospectus, published course runs, the public",
        "  self-referral form, the catalogue) may be reached; everything else is refused, and staff of the",
        "  other hub (who hold every staff role there) are refused this hub's objects the same way.",
        "- Staff roles have passed two-factor sign-in; until they do, every page sends them to it.",
        "- A POST or PATCH row exists only where the route takes writes; a refused write changes no row.",
        "",
    ]
    for app in APPS:
        lines += [f"## {app}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for route in (r for r in ROUTES if r.app == app):
            for method, access in route.methods().items():
                other = "—" if not route.obj or route.obj in SHARED_TYPES else _who(route.other_hub)
                marks = [MARKS[access.outcome(s)] for s in SUBJECTS]
                lines.append(
                    "| " + " | ".join([f"`{route.name}`", method, *marks, route.obj or "—", other]) + " |"
                )
        lines.append("")
    lines += ["## Object types", "", "| object type | what the test uses |", "|---|---|"]
    lines += [f"| {kind} | {what} |" for kind, what in OBJECT_TYPES.items()]
    lines.append("")
    return "\n".join(lines)


def _who(subjects: frozenset[str] | set[str]) -> str:
    if not subjects:
        return "nobody"
    if set(subjects) == set(EVERYONE):
        return "everyone"
    if set(subjects) == set(SIGNED_IN):
        return "anyone signed in"
    return ", ".join(SUBJECT_LABELS[s] for s in SUBJECTS if s in subjects)
