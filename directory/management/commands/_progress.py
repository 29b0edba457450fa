"""A text progress bar for long imports, written to a command's stdout."""

from __future__ import annotations

import time


class ProgressBar:
    def __init__(self, stdout, *, width: int = 30, every: float = 0.2):
        self.stdout = stdout
        self.width = width
        self.every = every
        self.last = 0.0

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every and done != total:
            return
        self.last = now
        if total:
            filled = int(self.width * done / total)
            bar = "#" * filled + "." * (self.width - filled)
            self.stdout.write(f"\r{label:<32} [{bar}] {done}/{total}", ending="")
        else:
            self.stdout.write(f"\r{label:<32} {done}", ending="")
        if total and done >= total:
            self.stdout.write("")
        self.stdout.flush()
