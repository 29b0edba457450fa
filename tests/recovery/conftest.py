"""Helpers for the recovery tests: a small populated demo hub, and a fingerprint of every table."""

from __future__ import annotations

import hashlib
from io import StringIO

from django.core.management import call_command

# Small enough to build in a few seconds, large enough that every part of the platform has rows.
DEMO_MEMBERS = "15"


def build_small_demo_hub() -> None:
    call_command("build_demo_hub", "--members", DEMO_MEMBERS, stdout=StringIO())


def _text(value: object) -> str:
    # Values normalised to text: bytes as hex, NULL distinct from the string "None".
    if value is None:
        return "\\N"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def fingerprints(conn) -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256 of every row in primary-key order)} for every table Django sees."""
    result = {}
    quote = conn.ops.quote_name
    with conn.cursor() as cursor:
        for table in conn.introspection.table_names(cursor):
            key = conn.introspection.get_primary_key_column(cursor, table)
            order = quote(key) if key else ", ".join(str(i + 1) for i in range(_width(conn, cursor, table)))
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {order}")  # noqa: S608 - table names
            digest = hashlib.sha256()
            rows = 0
            for row in cursor.fetchall():
                digest.update("\x1f".join(_text(v) for v in row).encode() + b"\x1e")
                rows += 1
            result[table] = (rows, digest.hexdigest())
    return result


def _width(conn, cursor, table: str) -> int:
    return len(conn.introspection.get_table_description(cursor, table))


def row_counts(conn) -> dict[str, int]:
    quote = conn.ops.quote_name
    counts = {}
    with conn.cursor() as cursor:
        for table in conn.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a table name
            counts[table] = cursor.fetchone()[0]
    return counts
