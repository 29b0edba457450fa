"""The frameworks the seeds use to judge and grow co-production, kept as data in our own words.

The six principles and their order come from 000 l.97-143; the depth levels from 000 l.168-182; the
plan x deliver grid from 000 l.116-121; the ladder from 003 l.69-81; the Four Co's from 002 ch.1; the
priority matrix from 002 l.1898 and the stakeholder map from 002 l.1920-1928. Decision 0011 explains
the rating scale and how the wedge is scored.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principle:
    key: str
    name: str
    definition: str


PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        "assets",
        "Assets",
        "People are seen as equal partners who bring knowledge and experience, not as passive "
        "recipients of care or a drain on the system.",
    ),
    Principle(
        "capabilities",
        "Capabilities",
        "The service starts from what people can do rather than what they lack, and helps them grow "
        "those abilities and use them, for themselves and for their community.",
    ),
    Principle(
        "mutuality",
        "Mutuality",
        "Relationships run both ways: people and staff give as well as receive, with shared "
        "responsibilities and expectations, and a range of rewards for taking part.",
    ),
    Principle(
        "networks",
        "Networks",
        "Peer support and personal networks sit alongside professionals as a main way that "
        "knowledge, skills and help are passed on, inside and beyond the service.",
    ),
    Principle(
        "blurring_roles",
        "Blurring roles",
        "The line between the people who provide and the people who use the service is loosened, so "
        "that responsibility and control are shared.",
    ),
    Principle(
        "catalysts",
        "Catalysts",
        "The service sees its job as making things happen and connecting people, rather than "
        "delivering everything itself.",
    ),
)
PRINCIPLE_KEYS = tuple(p.key for p in PRINCIPLES)
PRINCIPLE_BY_KEY = {p.key: p for p in PRINCIPLES}
PRINCIPLE_CHOICES = [(p.key, p.name) for p in PRINCIPLES]

# The rating scale (decision 0011): four steps, scored 0-3 and shown on a 0-1 scale. "Don't know"
# is stored as no rating and left out of every average.
RATINGS = (
    (0, "Not happening"),
    (1, "Starting"),
    (2, "Developing"),
    (3, "Embedded"),
)
RATING_LABELS = dict(RATINGS)
TOP_RATING = 3

# The default statements a new hub starts from, written from the critical learning questions
# (000 l.146-164) and the ten reflection questions (001 l.448-457). Hubs edit their own copy.
DEFAULT_STATEMENTS: tuple[tuple[str, str], ...] = (
    ("assets", "What people and their families know from their own lives shapes everything we do."),
    ("assets", "We plan and run activities so that they build on the strengths of people and the area."),
    ("assets", "We keep track of how people's and the community's strengths are growing."),
    ("capabilities", "The service could not succeed without what people contribute."),
    ("capabilities", "Tasks are shared out to fit the skills of everyone involved, staff and members alike."),
    ("capabilities", "Everyone involved, staff and members, is expected to keep learning and developing."),
    ("mutuality", "Members and staff both feel that this service is theirs."),
    ("mutuality", "Members share responsibility with staff for the service running well."),
    ("mutuality", "Asking for help, and giving it, is normal and welcome for staff and members."),
    ("mutuality", "What people contribute is noticed, recorded and rewarded in ways that matter to them."),
    ("networks", "Supporting peer networks is core work that we put time and money into."),
    ("networks", "We treat peer networks as a good way to share knowledge and information."),
    ("networks", "Staff and members take part in local groups and activities beyond the service."),
    ("blurring_roles", "Members' views carry the same weight as those of staff and volunteers."),
    ("blurring_roles", "Members take an active, ongoing part in starting, running and reviewing activities."),
    ("blurring_roles", "Members work alongside staff, and their skills are used on equal terms."),
    (
        "catalysts",
        "Staff spend their time connecting people to networks and resources that help them live well.",
    ),
    ("catalysts", "We remove barriers and build people's confidence so they can do more for themselves."),
    ("catalysts", "We help groups and activities start that then carry on without us."),
)

# ---- depth of co-production (Needham and Carr, 000 l.168-182) ----

DEPTHS = (
    ("descriptive", "Descriptive"),
    ("intermediate", "Intermediate"),
    ("transformative", "Transformative"),
)
DEPTH_LABELS = dict(DEPTHS)
DEPTH_MEANINGS = {
    "descriptive": "The service relies on what people do (turning up, following advice), but does not set "
    "out to use or grow what they could offer.",
    "intermediate": "People's contributions are recognised and they have ways to shape the service, but how "
    "it is run and who holds power have not changed; often one member of staff leads this.",
    "transformative": "Power and control have moved: members and staff plan and run the service together, "
    "the whole team works this way, and community strengths such as peer support are helped to flourish.",
}


@dataclass(frozen=True)
class DepthQuestion:
    key: str
    text: str
    # The level a "yes" to this question supports.
    level: str


# Guided questions that decide the verdict. A service is transformative only when every
# transformative question is answered yes; intermediate when every intermediate one is; otherwise
# descriptive. The seeds stress that all the features must come together (000 l.97, l.182).
DEPTH_QUESTIONS: tuple[DepthQuestion, ...] = (
    DepthQuestion(
        "recognised",
        "Do we recognise and value what members put in, beyond just using the service?",
        "intermediate",
    ),
    DepthQuestion(
        "feedback",
        "Do members have real ways to shape the service, and do we act on what they say?",
        "intermediate",
    ),
    DepthQuestion(
        "power",
        "Do members share decisions about how the service is planned, run and paid for?",
        "transformative",
    ),
    DepthQuestion(
        "delivery",
        "Do members take part in delivering the service day to day, not only in advising on it?",
        "transformative",
    ),
    DepthQuestion(
        "whole_team",
        "Does the whole team work this way, rather than one member of staff championing it?",
        "transformative",
    ),
    DepthQuestion(
        "community",
        "Do we help community strengths such as peer support, informal care and local groups to grow?",
        "transformative",
    ),
)


def depth_verdict(answers: dict[str, bool]) -> str:
    """The depth a set of yes/no answers supports (see DEPTH_QUESTIONS)."""

    def all_yes(level: str) -> bool:
        return all(answers.get(q.key, False) for q in DEPTH_QUESTIONS if q.level == level)

    if all_yes("intermediate") and all_yes("transformative"):
        return "transformative"
    if all_yes("intermediate"):
        return "intermediate"
    return "descriptive"


# ---- where a service sits: who plans x who delivers (Boyle and Harris, 000 l.116-121) ----

PLANNERS = (
    ("professionals", "Professionals plan"),
    ("together", "Planned together"),
    ("communities", "Communities plan"),
)
DELIVERERS = (
    ("professionals", "Professionals deliver"),
    ("together", "Delivered together"),
    ("communities", "Communities deliver"),
)
PLANNER_LABELS = dict(PLANNERS)
DELIVERER_LABELS = dict(DELIVERERS)
# (plans, delivers) -> the name of the cell. The seed names six cells; the blank ones (communities
# plan with professionals delivering or delivering together, and planned together with communities
# delivering) carry our own names, marked in decision 0011.
GRID: dict[tuple[str, str], str] = {
    ("professionals", "professionals"): "Traditional service",
    ("together", "professionals"): "Co-designed",
    ("communities", "professionals"): "Community-commissioned",
    ("professionals", "together"): "Co-delivered",
    ("together", "together"): "Co-produced",
    ("communities", "together"): "Community-led with professional help",
    ("professionals", "communities"): "Co-opted",
    ("together", "communities"): "Community-run, jointly planned",
    ("communities", "communities"): "Self-organised",
}
OWN_WORDING_CELLS = frozenset(
    {("communities", "professionals"), ("communities", "together"), ("together", "communities")}
)

# ---- the ladder from doing to, through doing for, to doing with (003 l.69-81) ----

LADDER = (
    ("doing_to", "Doing to", "Professionals decide and act; people are expected to go along with it."),
    (
        "doing_for",
        "Doing for",
        "Professionals design the service with people's interests in mind, and may inform or consult "
        "them, but people's views do not have to change decisions.",
    ),
    (
        "doing_with",
        "Doing with",
        "People and professionals share power: decisions are made together and people take part in "
        "delivering what they helped design.",
    ),
)
LADDER_LABELS = {key: label for key, label, _ in LADDER}


def ladder_for(plans: str, delivers: str) -> str:
    """Where a grid cell sits on the ladder: planning or delivering together is doing with; a
    professional-only service is doing for (doing to is chosen explicitly, it is not a grid cell)."""
    if plans == "professionals" and delivers == "professionals":
        return "doing_for"
    if plans == "professionals" and delivers == "communities":
        # Co-opted: people do the work but have no say in it.
        return "doing_to"
    return "doing_with"


# ---- the Four Co's (Governance International, 002 ch.1) ----

FOUR_COS = (
    (
        "co_commissioning",
        "Co-commissioning",
        (
            ("co_planning", "Co-planning"),
            ("co_prioritising", "Co-prioritising"),
            ("co_financing", "Co-financing"),
        ),
    ),
    ("co_design", "Co-design", ()),
    ("co_delivery", "Co-delivery", (("co_managing", "Co-managing"), ("co_performing", "Co-performing"))),
    ("co_assessment", "Co-assessment", ()),
)
FOUR_CO_LABELS = {key: label for key, label, _ in FOUR_COS}
FOUR_CO_TAGS: list[tuple[str, str]] = []
for _key, _label, _subs in FOUR_COS:
    FOUR_CO_TAGS.append((_key, _label))
    FOUR_CO_TAGS.extend((sub, f"{_label}: {sub_label.lower()}") for sub, sub_label in _subs)
FOUR_CO_TAG_LABELS = dict(FOUR_CO_TAGS)
PARENT_OF = {sub: key for key, _, subs in FOUR_COS for sub, _ in subs} | {k: k for k, _, _ in FOUR_COS}

# ---- the priority matrix (002 l.1894-1898): impact and effort, each scored 1-4 ----

SCORE_CHOICES = [(1, "1 - very low"), (2, "2 - low"), (3, "3 - high"), (4, "4 - very high")]
QUADRANTS = {
    ("high", "low"): ("quick_win", "Quick win", "Start here: a visible success draws people in."),
    ("high", "high"): ("major_project", "Major project", "Worth doing; make the case and plan it."),
    ("low", "low"): ("fill_in", "Fill-in", "Do it when there is spare time."),
    ("low", "high"): ("hard_slog", "Hard slog", "Avoid: it uses up time and goodwill for little gain."),
}


def quadrant(*, impact: int, effort: int) -> tuple[str, str, str]:
    """(key, name, advice) for an idea scored 1-4 on impact and effort; 3 and 4 count as high."""
    return QUADRANTS[("high" if impact >= 3 else "low", "high" if effort >= 3 else "low")]


# ---- the stakeholder map: power x influence (002 l.1920-1928) ----

STAKEHOLDER_HANDLING = {
    (True, True): (
        "Partners and champions",
        "Work closely with them: they can make or break the work. "
        "If they oppose it, stay close to change their minds or limit the harm.",
    ),
    (True, False): (
        "Keep informed and on side",
        "Tell them what is happening and ask for their backing, without drawing them into every decision.",
    ),
    (False, True): (
        "Involve and appreciate",
        "Keep them informed, thank them and invite them in; left out, "
        "they can gain power and turn against the work.",
    ),
    (False, False): (
        "Listen and explain",
        "Find out what they think and explain why you are doing this; their worries can cost public support.",
    ),
}
