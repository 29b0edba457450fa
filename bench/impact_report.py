"""Impact report benchmark on PostgreSQL: not a test, run by hand, one benchmark at a time.

    flock /tmp/coproduce-bench.lock .venv/bin/python bench/impact_report.py [--people 10000]
        [--events 200000] [--repeats 3] [--admin-url postgres://postgres@127.0.0.1:5432/postgres] [--keep]

1. Makes (dropping it first) its own database, coproduce_bench_impact, migrates it, and bulk-loads one
   hub with --people members and --events events: ONS4 and own-goal questionnaires at baseline and a
   4-month follow-up (a fifth of follow-ups missed), referrals, support sessions and onward referrals,
   plus an SROI model whose quantities come from that data and a cost-avoided calculator.
2. Renders the report as the page, the PDF and the spreadsheet through Django's test client (the whole
   request: middleware, permission, queries, suppression, charts, WeasyPrint, openpyxl), as the team
   and as a commissioner (suppressed), --repeats times each; prints the best time and the query count.
   Target: each under 5 s.

The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="coproduce_bench_impact")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} / {five:.2f}"


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text} ({load()})", flush=True)


def recreate_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def setup_django(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 40,
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    import django

    django.setup()
    from django.conf import settings

    # The pages link static files; without collectstatic there is no manifest, so serve them unhashed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def build(people: int, events: int, rng: random.Random) -> dict[str, int]:
    from decimal import Decimal

    from core.models import Hub
    from core.roles import Role
    from core.testing import actor_for, make_person
    from impact import services
    from impact.definitions import shipped
    from impact.models import Funding, Measurement
    from impact.scoring import score
    from people.models import Person, RoleGrant
    from support.models import OnwardReferral, PathwayStep, Referral, SupportService, SupportSession

    hub = Hub.objects.create(name="Bench Live Well", slug="bench")
    coordinator = make_person(hub, "Cora Bench", Role.COORDINATOR)
    commissioner = make_person(hub, "Connie Bench", Role.COMMISSIONER)
    worker = make_person(hub, "Lin Bench", Role.LINK_WORKER)
    Funding.objects.create(commissioner=commissioner.user, hub=hub)
    members = Person.objects.bulk_create(
        [Person(hub=hub, full_name=f"Member {i}", email=f"m{i}@example.org") for i in range(people)],
        batch_size=5000,
    )
    RoleGrant.objects.bulk_create([RoleGrant(person=p, role=Role.MEMBER) for p in members], batch_size=5000)
    today = date.today()  # noqa: DTZ011 - a benchmark's dates need no time zone
    start = today - timedelta(days=330)
    ons4, own = shipped()["ons4"], shipped()["own_goals"]
    rows = []
    for person in members:
        day = start + timedelta(days=rng.randint(0, 150))
        before = {
            "satisfied": rng.randint(1, 8),
            "worthwhile": rng.randint(2, 9),
            "happy": rng.randint(1, 9),
            "anxious": rng.randint(1, 9),
        }
        goals = {"goals": [{"label": "Get out more", "score": rng.randint(0, 5), "weight": 1.0}]}
        for code, definition, answers, moment, taken in [
            ("ons4", ons4, before, "baseline", day),
            ("own_goals", own, goals, "baseline", day),
        ]:
            rows.append((person, code, definition, answers, moment, taken))
        if rng.random() < 0.8:
            after = dict(
                before, satisfied=max(0, min(10, before["satisfied"] + rng.choice([-1, 0, 1, 2, 3])))
            )
            later = {"goals": [{"label": "Get out more", "score": rng.randint(2, 10), "weight": 1.0}]}
            rows.append((person, "ons4", ons4, after, "follow_up_4", day + timedelta(days=120)))
            rows.append((person, "own_goals", own, later, "follow_up_4", day + timedelta(days=120)))
        else:
            rows.append((person, "ons4", ons4, None, "follow_up_4", day + timedelta(days=120)))
    measurements = []
    for person, code, definition, answers, moment, taken in rows:
        if answers is None:
            measurements.append(
                Measurement(
                    hub=hub,
                    person=person,
                    instrument=code,
                    moment=moment,
                    taken_on=taken,
                    mode=Measurement.Mode.MISSED,
                )
            )
            continue
        results = score(definition, answers)
        measurements.append(
            Measurement(
                hub=hub,
                person=person,
                instrument=code,
                moment=moment,
                taken_on=taken,
                mode=Measurement.Mode.PAPER,
                answers=answers,
                scores={k: r.value for k, r in results.items()},
                bands={k: r.band for k, r in results.items()},
                primary=results[definition.primary].value,
            )
        )
    Measurement.objects.bulk_create(measurements, batch_size=5000)

    service = SupportService.objects.create(hub=hub, name="Live Well")
    step = PathwayStep.objects.create(service=service, position=1, name="Link working")
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                hub=hub,
                service=service,
                person=p,
                full_name=p.full_name,
                source="gp",
                channel="staff",
                status="accepted",
                received_at=f"{start + timedelta(days=rng.randint(0, 300))}T10:00:00Z",
            )
            for p in members
        ],
        batch_size=5000,
    )
    remaining = events - len(measurements) - len(referrals)
    onward_n = remaining // 6
    sessions_n = remaining - onward_n
    SupportSession.objects.bulk_create(
        [
            SupportSession(
                referral=referrals[i % len(referrals)],
                step=step,
                worker=worker,
                held_on=start + timedelta(days=rng.randint(0, 320)),
                kind="face_to_face",
                minutes=45,
            )
            for i in range(sessions_n)
        ],
        batch_size=5000,
    )
    import uuid

    OnwardReferral.objects.bulk_create(
        [
            OnwardReferral(
                referral=referrals[i % len(referrals)],
                directory_service_id=uuid.uuid4(),
                status=rng.choice(["attended", "continuing", "did_not_attend", "suggested"]),
            )
            for i in range(onward_n)
        ],
        batch_size=5000,
    )

    actor = actor_for(coordinator)
    services.load_example_proxies(actor=actor)
    from impact.models import FinancialProxy

    proxy = FinancialProxy.objects.get(hub=hub, name="Quality of life from better mental health")
    model = services.create_model(actor=actor, name="Bench model", period_start=start, period_end=today)
    stakeholder = services.add_stakeholder(actor=actor, model=model, name="Members")
    services.add_input(actor=actor, model=model, description="Grant", kind="money", amount_pence=50_000_000)
    services.add_outcome(
        actor=actor,
        model=model,
        stakeholder=stakeholder,
        proxy=proxy,
        description="Feel better",
        indicator="ONS4 up 1+",
        quantity_source="improved",
        instrument="ons4",
        duration_years=2,
        deadweight=Decimal("0.25"),
        attribution=Decimal("0.3"),
        drop_off=Decimal("0.5"),
    )
    services.add_outcome(
        actor=actor,
        model=model,
        stakeholder=stakeholder,
        proxy=proxy,
        description="Linked on",
        indicator="Onward referrals completed",
        quantity_source="onward",
        duration_years=1,
    )
    comparison = services.create_comparison(
        actor=actor,
        name="Bed days",
        cohort="All",
        people=people,
        before_period="6 months",
        after_period="6 months",
        data_source="Audit",
    )
    services.set_cost_line(
        actor=actor,
        comparison=comparison,
        event="bed_days",
        before=3300,
        after=1620,
        unit_cost_pence=40000,
        unit_cost_source="Bench",
        unit_cost_year=2025,
    )
    total = len(measurements) + len(referrals) + sessions_n + onward_n
    return {
        "hub": hub.pk,
        "coordinator": coordinator.pk,
        "commissioner": commissioner.pk,
        "events": total,
        "measurements": len(measurements),
        "sessions": sessions_n,
        "onward": onward_n,
        "referrals": len(referrals),
    }


def client_for(person_id: int):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from people.models import Person

    person = Person.objects.select_related("user").get(pk=person_id)
    client = Client()
    client.force_login(person.user, backend="django.contrib.auth.backends.ModelBackend")
    device, _ = TOTPDevice.objects.get_or_create(user=person.user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(client, url: str, repeats: int) -> tuple[float, int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = float("inf")
    queries = 0
    size = status = 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        best = min(best, elapsed)
        queries, size, status = len(captured), len(response.content), response.status_code
    return best, queries, size, status


def main() -> None:
    args = parse_args()
    url = recreate_database(args.admin_url, args.database)
    setup_django(url)
    from django.core.management import call_command

    say(f"migrating {args.database}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    built = build(args.people, args.events, random.Random(9))  # noqa: S311 - bench data, not security
    seconds = time.perf_counter() - started
    say(
        f"built {built['events']:,} events for {args.people:,} people in {seconds:.0f}s: "
        f"{built['measurements']:,} measurements, {built['referrals']:,} referrals, "
        f"{built['sessions']:,} sessions, {built['onward']:,} onward referrals"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    today = date.today()  # noqa: DTZ011
    period = f"?start={(today - timedelta(days=365)):%d/%m/%Y}&end={today:%d/%m/%Y}"
    print(f"\n| report | viewer | best of {args.repeats} | queries | size | status |")
    print("|---|---|---|---|---|---|")
    for who in ("coordinator", "commissioner"):
        client = client_for(built[who])
        client.get(f"/impact/reports/bench/{period}")  # warm: imports, templates, WeasyPrint fonts
        for label, path in [("page", ""), ("PDF", "pdf/"), ("spreadsheet", "xlsx/")]:
            best, queries, size, status = timed(client, f"/impact/reports/bench/{path}{period}", args.repeats)
            print(
                f"| {label} | {who} | {best:.2f} s | {queries} | {size / 1024:,.0f} KiB | {status} |",
                flush=True,
            )
    say("done")
    if not args.keep:
        connection.close()
        drop_database(args.admin_url, args.database)


if __name__ == "__main__":
    main()
