"""A one-line progress bar for management commands (standard library only).

On a terminal the line redraws in place (``\\r``) at most ten times a second; into a file or a
pipe (cron, CI, ``docker logs``) it prints plain lines, at most two a second, so logs stay short.
The last line (done == total) is always written. In a management command pass
``stream=self.stderr``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO, cast

from django.core.management.base import OutputWrapper

TTY_INTERVAL = 0.1
PLAIN_INTERVAL = 0.5


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_progress(
    label: str,
    done: int,
    total: int,
    *,
    elapsed: float,
    done_this_run: int,
    bar_width: int | None = 30,
) -> str:
    """``label [#####-----]  40.0%  400/1000  123.4/s  预计剩余 0:00:05`` (no bar if width None).

    The rate counts only what this run did (a resumed job does not start at infinite speed).
    """
    finished = done >= total
    fraction = 1.0 if total <= 0 else min(1.0, done / total)
    parts = [label]
    if bar_width:
        filled = int(fraction * bar_width)
        parts.append("[" + "#" * filled + "-" * (bar_width - filled) + "]")
    parts.append(f"{fraction * 100:5.1f}%")
    parts.append(f"{done}/{total}")
    rate = done_this_run / elapsed if elapsed > 0 else 0.0
    parts.append(f"{rate:.1f}/s")
    if finished:
        parts.append(f"用时 {format_duration(elapsed)}")
    elif rate > 0:
        parts.append(f"预计剩余 {format_duration((total - done) / rate)}")
    else:
        parts.append("预计剩余 --:--")
    return "  ".join(parts)


class ProgressBar:
    """A ``progress(done, total)`` callback for ``job_run`` that draws on a stream."""

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | OutputWrapper | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        if isinstance(stream, OutputWrapper):
            # Write to the stream it wraps: the wrapper ends every write with a newline.
            stream = cast(TextIO, stream._out)
        self.out: TextIO = stream if stream is not None else sys.stderr
        isatty = getattr(self.out, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.interval = TTY_INTERVAL if self.tty else PLAIN_INTERVAL
        self.clock = clock
        self._started: float | None = None
        self._first_done = 0
        self._last_written: float | None = None
        self._last_width = 0
        self._line_open = False
        self._closed = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if self._started is None:
            self._started, self._first_done = now, done
        final = done >= total
        throttled = (
            not final
            and self._last_written is not None
            and now - self._last_written < self.interval
        )
        if self._closed or throttled:
            return
        line = format_progress(
            self.label,
            done,
            total,
            elapsed=now - self._started,
            done_this_run=done - self._first_done,
            bar_width=30 if self.tty else None,
        )
        if self.tty:
            self.out.write("\r" + line.ljust(self._last_width) + ("\n" if final else ""))
            self._last_width = len(line)
            self._line_open = not final
        else:
            self.out.write(line + "\n")
        self.out.flush()
        self._last_written = now
        self._closed = final

    def close(self) -> None:
        """End a terminal line left open by a job that stopped before finishing."""
        if self._line_open:
            self.out.write("\n")
            self.out.flush()
            self._line_open = False
        self._closed = True


def progress_bar(
    label: str,
    *,
    stream: TextIO | OutputWrapper | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ProgressBar:
    """A progress callback writing one line with percent, rate/s and ETA to stderr."""
    return ProgressBar(label, stream=stream, clock=clock)
