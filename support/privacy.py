"""What support holds about a person, for subject access and erasure (rights/registry.py).

Referrals, sessions, onward referrals and follow-ups stay as rows with their dates, counts, reasons and
outcomes, so the support report and the impact report keep their totals; every word written about or by
the person (notes, plans, conversations, what the referrer said) is removed at erasure.

Sensitive session notes: support keeps them from the member's own view (support/permissions.py)
because they can hold what someone else told a worker. The member's own page and download say that a
sensitive note exists and how to ask for it; a copy made by a coordinator or administrator on the
member's behalf includes it, for them to read for third parties' information before handing it over
(docs/decisions/0013-member-rights-and-erasure.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from rights.registry import Rule
from support.models import (
    Assignment,
    CodedEvent,
    Conversation,
    FollowUp,
    OnwardReferral,
    OnwardReferralUpdate,
    PlanSupporter,
    PlanVersion,
    Referral,
    ReferrerMessage,
    SupportSession,
)

if TYPE_CHECKING:
    from rights.erasure import Erasure

SENSITIVE_WITHHELD = (
    "A sensitive note was written after this session. It can hold what someone else told us, so a "
    "coordinator reads it with you: ask for a copy made by a coordinator."
)
CLINICAL_KEPT = (
    "Clinical codes sent to GP systems are part of the GP's record as well as ours; the code and date "
    "stay (NHS Records Management Code of Practice), with no name attached."
)


def _referrals(person):
    return Referral.objects.filter(person=person)


def _erase_referrals(erasure: Erasure) -> None:
    erasure.update(
        _referrals(erasure.person),
        full_name=erasure.label,
        date_of_birth=None,
        postcode="",
        nhs_number="",
        email="",
        phone="",
        gp_practice="",
        reason_detail="",
        referrer_name="",
        referrer_email="",
        referrer_phone="",
        referrer_address="",
        decision_reason="",
        redirected_to="",
        next_action="",
        close_summary="",
    )
    # Referrals the person made for someone else keep the person referred, but not the referrer's
    # own contact details.
    erasure.update(
        Referral.objects.filter(referrer_person=erasure.person),
        referrer_name=erasure.label,
        referrer_email="",
        referrer_phone="",
        referrer_address="",
    )


def _erase_assignments(erasure: Erasure) -> None:
    erasure.update(
        Assignment.objects.filter(referral__person=erasure.person).exclude(handover_note=""), handover_note=""
    )


def _erase_sessions(erasure: Erasure) -> None:
    erasure.update(SupportSession.objects.filter(referral__person=erasure.person), notes="")


def _hide_sensitive(obj, row: dict[str, Any], ctx) -> None:
    if obj.sensitivity == SupportSession.Sensitivity.SENSITIVE and not ctx.include_sensitive and obj.notes:
        row["notes"] = SENSITIVE_WITHHELD


def _erase_conversations(erasure: Erasure) -> None:
    for conversation in Conversation.objects.filter(person=erasure.person):
        sections = [
            {"key": s.get("key", ""), "label": s.get("label", ""), "answer": ""}
            for s in conversation.sections or []
            if isinstance(s, dict)
        ]
        erasure.update(Conversation.objects.filter(pk=conversation.pk), sections=sections)


def _plan_versions(person):
    return PlanVersion._base_manager.filter(plan__person=person)


def _erase_plan_versions(erasure: Erasure) -> None:
    # The versions stay (how many times a plan was updated, and when), their words do not.
    erasure.update(_plan_versions(erasure.person), content={}, note="")
    if erasure.user is not None:
        erasure.relabel(PlanVersion._base_manager.filter(created_by=erasure.user), "created_by_label")


def _erase_supporters(erasure: Erasure) -> None:
    from django.utils import timezone

    # Nobody sees an erased member's plan, and an erased peer sees nobody's.
    active = PlanSupporter.objects.filter(
        Q(plan__person=erasure.person) | Q(peer=erasure.person), removed_at__isnull=True
    )
    erasure.update(active, removed_at=timezone.now())


def _onward(person):
    return OnwardReferral.objects.filter(referral__person=person)


def _erase_onward(erasure: Erasure) -> None:
    erasure.update(_onward(erasure.person), note="", member_feedback="")
    erasure.update(
        OnwardReferralUpdate._base_manager.filter(onward_referral__referral__person=erasure.person), note=""
    )


def _erase_follow_ups(erasure: Erasure) -> None:
    erasure.update(FollowUp.objects.filter(referral__person=erasure.person).exclude(note=""), note="")


def _erase_messages(erasure: Erasure) -> None:
    from rights.erasure import REMOVED

    erasure.update(
        ReferrerMessage._base_manager.filter(referral__person=erasure.person),
        subject=REMOVED[:200],
        body=REMOVED,
    )


RULES = [
    Rule(
        model="support.Referral",
        fields=("person", "referrer_person", "received_by", "decided_by", "worker"),
        part="support",
        rows=_referrals,
        erase=_erase_referrals,
        # The referrer's own email, phone and address are theirs, not the member's; who referred and
        # from which organisation stay in the copy (where the information came from, article 15(1)(g)).
        omit=("referrer_email", "referrer_phone", "referrer_address", "flagged_exclusions"),
    ),
    Rule(
        model="support.CodedEvent",
        part="support",
        rows=lambda person: CodedEvent._base_manager.filter(referral__person=person),
        kept=CLINICAL_KEPT,
    ),
    Rule(
        model="support.Assignment",
        fields=("worker", "assigned_by"),
        part="support",
        rows=lambda person: Assignment.objects.filter(referral__person=person),
        erase=_erase_assignments,
    ),
    Rule(
        model="support.SupportSession",
        fields=("worker", "recorded_by"),
        part="support",
        rows=lambda person: SupportSession.objects.filter(referral__person=person),
        erase=_erase_sessions,
        present=_hide_sensitive,
        note="Sensitive notes are included only in a copy a coordinator or administrator makes for you.",
    ),
    Rule(
        model="support.Conversation",
        fields=("person", "recorded_by"),
        part="support",
        rows=lambda person: Conversation.objects.filter(person=person),
        erase=_erase_conversations,
    ),
    Rule(model="support.Plan", fields=("person",), part="support"),
    Rule(
        model="support.PlanVersion",
        fields=("created_by",),
        part="support",
        rows=_plan_versions,
        erase=_erase_plan_versions,
    ),
    Rule(
        model="support.PlanSupporter",
        fields=("peer", "added_by"),
        part="support",
        rows=lambda person: PlanSupporter.objects.filter(Q(plan__person=person) | Q(peer=person)),
        erase=_erase_supporters,
    ),
    # On-call periods hold no words; they stay for the rota's history and the time credits paid.
    Rule(model="support.OnCallPeriod", fields=("peer", "created_by"), part="volunteering"),
    Rule(
        model="support.OnwardReferral",
        fields=("created_by",),
        part="support",
        rows=_onward,
        erase=_erase_onward,
    ),
    Rule(
        model="support.OnwardReferralUpdate",
        part="support",
        rows=lambda person: OnwardReferralUpdate._base_manager.filter(
            onward_referral__referral__person=person
        ),
    ),
    Rule(
        model="support.FollowUp",
        part="support",
        rows=lambda person: FollowUp.objects.filter(referral__person=person),
        erase=_erase_follow_ups,
    ),
    Rule(
        model="support.ReferrerMessage",
        part="support",
        rows=lambda person: ReferrerMessage._base_manager.filter(referral__person=person),
        erase=_erase_messages,
        kept=(
            "That the referrer was told, when and how, is the record of a disclosure the person "
            "consented to (UK GDPR article 5(2)); the letter's words are removed."
        ),
    ),
]
