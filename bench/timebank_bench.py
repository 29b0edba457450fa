"""Time-bank benchmark on PostgreSQL: not a test, run by hand, one benchmark at a time.

    flock /tmp/coproduce-bench.lock .venv/bin/python bench/timebank_bench.py [--duration 20]
        [--clients 1,4] [--members 1000] [--scale 10] [--per-transfer 500] [--rounds 3] [--repeats 2]
        [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

1. Makes (dropping it first) its own database, coproduce_bench_timebank, migrates it and opens a hub
   with --members member accounts (generous limits, so nothing is refused), then bulk-loads gifts
   until the ledger holds 10,000 entries, sets the balances from them and runs check_ledger.
2. Time per transfer with 10,000 existing entries: one client, --rounds rounds of --per-transfer gifts
   through timebank.services.donate (the real path: permission checks, ledger.post with its row locks,
   limit checks, entries, F() balance updates, one transaction each); mean / p50 / p95 of the round
   with the lowest median, with the CPU time of Django and of the PostgreSQL backend and the WAL
   written per transfer.
3. Transfers per second through the same service at each --clients count (separate processes, each
   with its own connection, random pairs of members, --duration seconds), and pgbench's TPC-B-like
   script on the same server (pgbench -i -s --scale into its own scratch database,
   coproduce_bench_pgbench; same client counts and duration), alternating, --repeats times each, best
   kept; prints service / pgbench (target >= 0.3).
4. Bulk-loads gifts up to 1,000,000 entries, runs check_ledger again, and repeats step 2: the time per
   transfer should not depend on how many entries exist (target: flat).

Both databases are dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PGBENCH = "/usr/bin/pgbench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="coproduce_bench_timebank")
    parser.add_argument("--pgbench-database", default="coproduce_bench_pgbench")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--clients", default="1,4", help="comma-separated client counts")
    parser.add_argument("--duration", type=int, default=20, help="seconds per throughput run")
    parser.add_argument("--repeats", type=int, default=2, help="throughput runs of each (best kept)")
    parser.add_argument("--scale", type=int, default=10, help="pgbench -i scale factor")
    parser.add_argument("--per-transfer", type=int, default=500, help="transfers per timing round")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds at each size (best kept)")
    parser.add_argument("--sizes", default="10000,1000000", help="existing entries for the timing runs")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep both databases afterwards")
    return parser.parse_args()


def say(message: str) -> None:
    print(message, flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} / {five:.2f}"


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
        DEBUG="0",  # with DEBUG on, Django keeps every query in memory
        SECRET_KEY="bench-only-" + "x" * 40,
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    import django

    django.setup()


def backend_cpu_seconds() -> float:
    """CPU used so far by this connection's PostgreSQL backend process (same machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


# The hub


def build_hub(members: int) -> None:
    from core.models import Hub
    from core.roles import Role
    from core.testing import actor_for, make_person
    from timebank import services
    from timebank.models import Account, TimebankSettings

    hub = Hub.objects.create(name="Bench time bank", slug="bench")
    broker = actor_for(make_person(hub, "Bea Broker", Role.BROKER, login=False))
    # Limits far apart: every transfer still goes through the limit checks, none is refused.
    TimebankSettings.objects.create(hub=hub, member_lowest_balance=-(10**8), member_highest_balance=10**8)
    for kind in (Account.Kind.ISSUANCE, Account.Kind.POT):
        services.system_account(hub, kind)
    started = time.perf_counter()
    for i in range(members):
        person = make_person(hub, f"Member{i:05d} Bench", Role.MEMBER, login=False)
        services.join(actor=broker, person=person)
        if (i + 1) % 250 == 0:
            say(f"  opened {i + 1}/{members} member accounts ({time.perf_counter() - started:.0f}s)")


def member_ids() -> list[int]:
    from timebank.models import Account

    return list(Account.objects.filter(kind=Account.Kind.MEMBER).order_by("pk").values_list("pk", flat=True))


# Bulk loading: gifts between random members, written by the server itself, then balances from them.

BULK_SQL = """
WITH picks AS (
    SELECT g AS n,
           floor(random() * %(k)s)::int AS a,
           1 + floor(random() * (%(k)s - 1))::int AS step,
           1 + floor(random() * 60)::int AS minutes
    FROM generate_series(1, %(n)s) AS g
), rows AS (
    SELECT gen_random_uuid() AS id, n, (%(ids)s::bigint[])[1 + a] AS giver,
           (%(ids)s::bigint[])[1 + (a + step) %% %(k)s] AS receiver, minutes
    FROM picks
), transfers AS (
    INSERT INTO timebank_transfer (id, hub_id, kind, category, description, occurred_on, posted_at,
                                   posted_by_id, posted_by_label, reverses_id, idempotency_key,
                                   override_reason, batch)
    SELECT id, %(hub)s, 'donation', 'other', 'Bulk-loaded gift', current_date - (n %% 700),
           now() - make_interval(mins => n %% 1000000), NULL, 'Benchmark loader', NULL, NULL, '', NULL
    FROM rows
    RETURNING id
)
INSERT INTO timebank_entry (transfer_id, account_id, minutes)
SELECT id, account, minutes FROM (
    SELECT id, n, 0 AS side, giver AS account, -minutes AS minutes FROM rows
    UNION ALL
    SELECT id, n, 1, receiver, minutes FROM rows
) AS legs
ORDER BY n, side
"""


def bulk_load_to(entries: int, ids: list[int]) -> None:
    """Add gifts until the ledger holds `entries` entries; each gift is two entries summing to zero."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.models import Hub
    from timebank.models import Entry

    missing = entries - Entry.objects.count()
    if missing <= 0:
        return
    hub = Hub.objects.get(slug="bench")
    started = time.perf_counter()
    chunk = 100_000  # transfers per statement, so a progress line shows every few seconds
    todo = missing // 2
    while todo > 0:
        n = min(chunk, todo)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(BULK_SQL, {"n": n, "k": len(ids), "ids": ids, "hub": hub.pk})
        todo -= n
        done = missing // 2 - todo
        say(f"  loaded {2 * done:,}/{missing:,} entries ({time.perf_counter() - started:.0f}s)")
    with connection.cursor() as cursor:
        # Cached balances from the entries, as the ledger keeps them.
        cursor.execute(
            "UPDATE timebank_account a SET balance = s.total FROM "
            "(SELECT account_id, sum(minutes) AS total FROM timebank_entry GROUP BY account_id) s "
            "WHERE a.id = s.account_id AND a.balance <> s.total"
        )
        cursor.execute("VACUUM ANALYZE")
        # Every timing run starts just after a checkpoint, not during one the load set off.
        cursor.execute("CHECKPOINT")
    say(f"  balances set, vacuumed and checkpointed ({time.perf_counter() - started:.0f}s); check_ledger:")
    call_command("check_ledger")  # raises CommandError if the books are not exact


# Posting through the service


class Poster:
    """Gives random gifts between members through timebank.services.donate, as the giver."""

    def __init__(self, seed: int):
        from core.roles import Actor
        from core.testing import actor_for
        from people.models import Person
        from timebank.models import Account

        self.rng = random.Random(seed)  # noqa: S311 - benchmark data
        self.accounts = list(Account.objects.filter(kind=Account.Kind.MEMBER).order_by("pk"))
        people = Person.objects.select_related("hub").in_bulk([a.person_id for a in self.accounts])
        self.actors: dict[int, Actor] = {a.pk: actor_for(people[a.person_id]) for a in self.accounts}

    def one(self) -> bool:
        from timebank import services
        from timebank.ledger import LimitError

        giver, receiver = self.rng.sample(self.accounts, 2)
        try:
            services.donate(
                actor=self.actors[giver.pk],
                from_account=giver,
                to_account=receiver,
                minutes=self.rng.randrange(1, 61),
                note="Benchmark gift",
            )
        except LimitError:
            return False
        return True


def wal_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        return cursor.fetchone()[0]


def time_per_transfer(count: int, rounds: int, seed: int) -> dict:
    """Time `count` transfers, `rounds` times, and keep the round with the lowest median: other work on
    the machine can only make a round slower, never faster."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    poster = Poster(seed)
    for _ in range(50):  # warm up: connection, caches, Python's first calls
        poster.one()
    with CaptureQueriesContext(connection) as queries:
        poster.one()
    results = []
    for _ in range(rounds):
        timings = []
        cpu0, server0, wal0 = time.process_time(), backend_cpu_seconds(), wal_bytes()
        for _ in range(count):
            started = time.perf_counter()
            poster.one()
            timings.append((time.perf_counter() - started) * 1000)
        cpu, server = time.process_time() - cpu0, backend_cpu_seconds() - server0
        wal = wal_bytes() - wal0
        timings.sort()
        results.append(
            {
                "mean": statistics.fmean(timings),
                "p50": statistics.median(timings),
                "p95": timings[int(0.95 * (len(timings) - 1))],
                "client_cpu": cpu * 1000 / count,
                "server_cpu": server * 1000 / count,
                "wal": wal / count,
            }
        )
    best = min(results, key=lambda r: r["p50"])
    return {
        **best,
        "rounds": [r["p50"] for r in results],
        "queries": len(queries.captured_queries),
        "statements": [" ".join(q["sql"].split()[:3])[:40] for q in queries.captured_queries],
    }


def client_process(seed: int, duration: float, ready, go, results) -> None:
    """One client: its own process, its own connection; posts for `duration` seconds after `go`."""
    import django

    django.setup()
    from django.db import connection

    poster = Poster(seed)
    for _ in range(20):
        poster.one()
    ready.put(seed)
    go.wait()
    done = refused = 0
    cpu0, server0 = time.process_time(), backend_cpu_seconds()
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < duration:
        if poster.one():
            done += 1
        else:
            refused += 1
    results.put(
        {
            "done": done,
            "refused": refused,
            "elapsed": elapsed,
            "client_cpu": time.process_time() - cpu0,
            "server_cpu": backend_cpu_seconds() - server0,
        }
    )
    connection.close()


def service_throughput(clients: int, duration: float, seed: int) -> dict:
    ctx = mp.get_context("spawn")  # a fresh interpreter per client: no shared connection, no shared GIL
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=client_process, args=(seed + i, duration, ready, go, results))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    go.set()
    rows = [results.get(timeout=duration + 120) for _ in procs]
    for p in procs:
        p.join()
    done = sum(r["done"] for r in rows)
    return {
        "tps": sum(r["done"] / r["elapsed"] for r in rows),
        "done": done,
        "refused": sum(r["refused"] for r in rows),
        "client_cpu": sum(r["client_cpu"] for r in rows) * 1000 / max(done, 1),
        "server_cpu": sum(r["server_cpu"] for r in rows) * 1000 / max(done, 1),
    }


# pgbench


def pgbench_env(url: str) -> tuple[list[str], dict]:
    from urllib.parse import urlparse

    parts = urlparse(url)
    args = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    return args, {**os.environ, "PGDATABASE": parts.path.lstrip("/")}


def pgbench_init(url: str, scale: int) -> None:
    args, env = pgbench_env(url)
    command = [PGBENCH, *args, "-i", "-q", "-s", str(scale)]
    subprocess.run(command, env=env, check=True, capture_output=True)  # noqa: S603 - our own arguments


def pgbench_run(url: str, clients: int, duration: int) -> dict:
    args, env = pgbench_env(url)
    command = [PGBENCH, *args, "-c", str(clients), "-j", str(clients), "-T", str(duration)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout  # noqa: S603
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    if tps is None:
        raise SystemExit(f"Could not read pgbench's output:\n{out}")
    return {"tps": float(tps.group(1)), "latency": float(latency.group(1)) if latency else float("nan")}


def main():
    args = parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    url = recreate_database(args.admin_url, args.database)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from timebank.models import Entry

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
    say(f"PostgreSQL {connection.pg_version}, database {args.database}, synchronous_commit={sync}, {load()}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"migrated ({time.perf_counter() - started:.0f}s); opening {args.members} member accounts")
    build_hub(args.members)
    ids = member_ids()

    per_transfer = {}
    for size in sizes:
        say(f"bulk-loading to {size:,} entries")
        bulk_load_to(size, ids)
        at = Entry.objects.count()
        say(f"timing {args.per_transfer} transfers with {at:,} entries ({load()})")
        per_transfer[size] = {
            **time_per_transfer(args.per_transfer, args.rounds, args.seed + size),
            "entries": at,
        }
        t = per_transfer[size]
        say(
            f"  per transfer: mean {t['mean']:.2f} ms, p50 {t['p50']:.2f} ms, p95 {t['p95']:.2f} ms; "
            f"CPU: Django {t['client_cpu']:.2f} ms, PostgreSQL {t['server_cpu']:.2f} ms; "
            f"WAL {t['wal'] / 1024:.1f} KiB; {t['queries']} queries; "
            f"p50 of each round: {', '.join(f'{r:.2f}' for r in t['rounds'])} ms"
        )
        if size == sizes[0]:
            say("  statements: " + " | ".join(t["statements"]))
            # Throughput at the small size, before the big load, so both sides run on small tables.
            throughput = {}
            pgbench_url = recreate_database(args.admin_url, args.pgbench_database)
            say(f"pgbench -i -s {args.scale} into {args.pgbench_database}")
            pgbench_init(pgbench_url, args.scale)
            for clients in client_counts:
                # Alternate the two and keep the best of each: other work on the machine only slows.
                best_service: dict | None = None
                best_bench: dict | None = None
                for attempt in range(1, args.repeats + 1):
                    say(f"service: {clients} client(s) for {args.duration}s, run {attempt} ({load()})")
                    service = service_throughput(
                        clients, args.duration, args.seed * 100 + 10 * clients + attempt
                    )
                    say(
                        f"  {service['tps']:.0f} transfers/s "
                        f"({service['done']} posted, {service['refused']} refused); "
                        f"CPU per transfer: Django {service['client_cpu']:.2f} ms, "
                        f"PostgreSQL {service['server_cpu']:.2f} ms"
                    )
                    say(f"pgbench: {clients} client(s) for {args.duration}s, run {attempt} ({load()})")
                    bench = pgbench_run(pgbench_url, clients, args.duration)
                    say(f"  {bench['tps']:.0f} tps, latency {bench['latency']:.2f} ms")
                    if best_service is None or service["tps"] > best_service["tps"]:
                        best_service = service
                    if best_bench is None or bench["tps"] > best_bench["tps"]:
                        best_bench = bench
                throughput[clients] = (best_service, best_bench)
            call_command("check_ledger")

    say("")
    say("Summary")
    say(f"{'clients':>8} {'service tps':>12} {'pgbench tps':>12} {'ratio':>7}  (target >= 0.3)")
    for clients, (service, bench) in throughput.items():
        ratio = service["tps"] / bench["tps"]
        say(
            f"{clients:>8} {service['tps']:>12.0f} {bench['tps']:>12.0f} {ratio:>7.2f}  "
            + ("met" if ratio >= 0.3 else "NOT met")
        )
    say(f"{'entries':>10} {'mean ms':>8} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} {'WAL KiB':>8}")
    for t in per_transfer.values():
        cpu = t["client_cpu"] + t["server_cpu"]
        say(
            f"{t['entries']:>10,} {t['mean']:>8.2f} {t['p50']:>7.2f} {t['p95']:>7.2f} {cpu:>7.2f} "
            f"{t['wal'] / 1024:>8.1f}"
        )
    first, last = per_transfer[sizes[0]], per_transfer[sizes[-1]]
    say(f"per-transfer time, largest / smallest (p50): {last['p50'] / first['p50']:.2f}x (target: flat)")
    say(f"finished ({load()})")
    connection.close()
    if not args.keep:
        drop_database(args.admin_url, args.database)
        drop_database(args.admin_url, args.pgbench_database)


if __name__ == "__main__":
    main()
