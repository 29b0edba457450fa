"""Reading a file someone gives us (an upload or a file named on the command line) as UTF-8 text.

The size is checked before the file is read (from the upload's size or the file system), and never
more than the limit plus one byte is read, so a huge file costs nothing. Empty files, binary files,
UTF-16 files (what Excel's "Unicode text" saves) and Latin-1 or Windows-1252 files (what Excel's plain
"CSV" saves on Windows) are refused with a message that says what to do. A UTF-8 byte order mark is
accepted and dropped.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import IO, Any

from core.errors import DomainError


class UnreadableFile(DomainError):
    """The file is empty, too large or not UTF-8 text; nothing was read into the database."""


def _size_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"


def too_large(name: str, limit: int) -> UnreadableFile:
    return UnreadableFile(f"{name} is larger than {_size_text(limit)}, the most we accept. Split it.")


def read_bytes(source: str | Path | IO[bytes] | Any, *, max_bytes: int, name: str = "The file") -> bytes:
    """At most max_bytes of the file, or UnreadableFile if it is larger or empty."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:
                raise too_large(name, max_bytes)
            with path.open("rb") as handle:
                raw = handle.read(max_bytes + 1)
        except OSError as error:
            raise UnreadableFile(f"{name} cannot be opened ({error.strerror or error}).") from None
    else:
        size = getattr(source, "size", None)
        if size is not None and size > max_bytes:
            raise too_large(name, max_bytes)
        raw = source.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise too_large(name, max_bytes)
    if not raw.strip() or raw.strip() == codecs.BOM_UTF8:
        raise UnreadableFile(f"{name} is empty.")
    return raw


def decode_utf8(raw: bytes, *, name: str = "The file") -> str:
    """The bytes as text, or UnreadableFile naming the problem (UTF-16, another encoding, binary)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(f"{name} is UTF-16 text. Save it as UTF-8 (in Excel: “CSV UTF-8”).")
    if b"\x00" in raw:
        raise UnreadableFile(f"{name} is not a text file.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"{name} is not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start} is not "
            "UTF-8; the file may be Latin-1 or Windows-1252). Save it as UTF-8 (in Excel: “CSV UTF-8”)."
        ) from None


def read_text(source: str | Path | IO[bytes] | Any, *, max_bytes: int, name: str = "The file") -> str:
    """The whole file as text, checked: see the module docstring."""
    return decode_utf8(read_bytes(source, max_bytes=max_bytes, name=name), name=name)
