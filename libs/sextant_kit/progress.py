"""Progress of long-running work (imports, rebuilds, replays) on standard error."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``[#####.....]  52%  104,000/200,000  21,950/s  eta 4s`` — redrawn in place on a
    terminal, one line every few seconds otherwise (CI logs stay readable)."""

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        unit: str = "items",
        stream: TextIO | None = None,
        every: float = 5.0,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.position: int | None = None
        """Where the work is, when ``advance`` is told (bytes of a file read, say)."""
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._every = 0.2 if self._tty else every
        self._started = time.monotonic()
        self._last = self._started  # work that ends within ``every`` shows only its last line

    def advance(self, count: int = 1, *, position: int | None = None) -> None:
        """Count ``count`` more items; ``position`` (e.g. bytes read) drives the bar instead."""
        self.done += count
        self.position = position
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._draw(final=False)

    def finish(self) -> None:
        self._draw(final=True)

    @property
    def rate(self) -> float:
        return self.done / max(time.monotonic() - self._started, 1e-9)

    def _draw(self, *, final: bool) -> None:
        current = self.position if self.position is not None else self.done
        parts = [self.label]
        if self.total:
            share = min(current / self.total, 1.0) if not final else 1.0
            bar = "#" * int(share * 24)
            parts.append(f"[{bar:<24}] {share:4.0%}")
            remaining = (1 - share) * (time.monotonic() - self._started) / max(share, 1e-9)
            if not final:
                parts.append(f"eta {remaining:,.0f}s")
        parts.append(f"{self.done:,} {self.unit}")
        parts.append(f"{self.rate:,.0f}/s")
        line = "  ".join(parts)
        if self._tty and not final:
            self._stream.write("\r" + line.ljust(100)[:120])
        else:
            self._stream.write(("\r" if self._tty else "") + line + "\n")
        self._stream.flush()
