"""A dependency-free progress bar on stderr.

On a terminal it redraws one line (``\\r``); elsewhere (a pipe, a CI log, a test) it prints one
line each time the workload changes, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, width: int = 28) -> None:
        self.total, self.done, self.width = max(total, 1), 0, width
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self._last_head = ""

    def advance(self, label: str) -> None:
        self.done = min(self.done + 1, self.total)
        frac = self.done / self.total
        elapsed = time.perf_counter() - self.start
        bar = "#" * int(frac * self.width)
        line = (f"[{bar:<{self.width}}] {self.done:>4}/{self.total} {elapsed:6.1f}s  {label}")
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            self.stream.flush()
            return
        head = label.split(" · ")[0]
        if head != self._last_head:
            self._last_head = head
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"done in {elapsed:.1f}s\n")
        self.stream.flush()
