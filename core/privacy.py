"""What core holds about a person, for subject access and erasure (rights/registry.py).

The audit log is kept: it is the hub's evidence of who saw and changed each record (UK GDPR article
5(2), accountability, and article 32, security). Erasure rewrites only the name snapshots of what the
person did themself, so the rows no longer name them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.models import AuditEvent
from rights.registry import Rule

if TYPE_CHECKING:
    from rights.erasure import Erasure


def _erase_audit(erasure: Erasure) -> None:
    if erasure.user is not None:
        erasure.relabel(AuditEvent.objects.filter(actor=erasure.user), "actor_label")


def _erase_devices(erasure: Erasure) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if erasure.user is not None and erasure.closes_login:
        erasure.delete(TOTPDevice.objects.filter(user=erasure.user))


def _sign_in_rows(model):
    """Sign-in attempts and sign-ins django-axes logged for the person's login (by username: axes keeps
    no link to the login row)."""

    def rows(person):
        from django.apps import apps

        manager = apps.get_model(model)._base_manager
        return manager.filter(username=person.user.username) if person.user_id else manager.none()

    return rows


def _erase_sign_ins(erasure: Erasure) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    if erasure.closes_login and erasure.username:
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            erasure.delete(model.objects.filter(username=erasure.username))


def _device_rows(person):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user_id=person.user_id) if person.user_id else TOTPDevice.objects.none()


RULES = [
    Rule(
        model="core.AuditEvent",
        fields=("person", "actor"),
        part="audit",
        erase=_erase_audit,
        kept=(
            "The audit log of who viewed or changed a record is the hub's evidence that it kept the "
            "record safely (UK GDPR articles 5(2) and 32). Kept for 6 years, with the person shown as "
            "'Erased member'."
        ),
        # The address a view came from belongs to the member of staff who viewed, not to the member.
        omit=("ip_address",),
    ),
    Rule(
        model="otp_totp.TOTPDevice",
        fields=("user",),
        part="login",
        rows=_device_rows,
        erase=_erase_devices,
        # The secret key and counters would let anyone holding the copy pass the second sign-in step.
        omit=("key", "step", "t0", "digits", "tolerance", "drift", "last_t", "throttling_failure_timestamp"),
    ),
    # django-axes' logs of sign-ins and failed attempts refer to the login by username only, so the
    # registry's walk does not find them; they are the person's data all the same. Deleted when the
    # login is closed. What was typed into the form and the session key are left out of the copy.
    Rule(
        model="axes.AccessAttempt",
        part="login",
        rows=_sign_in_rows("axes.AccessAttempt"),
        erase=_erase_sign_ins,
        omit=("get_data", "post_data"),
    ),
    Rule(model="axes.AccessFailureLog", part="login", rows=_sign_in_rows("axes.AccessFailureLog")),
    Rule(
        model="axes.AccessLog",
        part="login",
        rows=_sign_in_rows("axes.AccessLog"),
        omit=("session_hash",),
    ),
]
