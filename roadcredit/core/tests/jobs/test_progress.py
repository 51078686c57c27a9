"""The command-line progress bar (no database)."""

from __future__ import annotations

import io

import pytest

from roadcredit.core.jobs.progress import format_duration, format_progress, progress_bar


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0:00:00"), (59.6, "0:01:00"), (61, "0:01:01"), (3725, "1:02:05"), (-3, "0:00:00")],
)
def test_it_formats_durations_as_hours_minutes_seconds(seconds, expected):
    assert format_duration(seconds) == expected


def test_a_line_shows_percent_counts_rate_and_time_left():
    line = format_progress("主体数据导入", 400, 1000, elapsed=4.0, done_this_run=400, bar_width=10)

    assert line == ("主体数据导入  [####------]   40.0%  400/1000  100.0/s  预计剩余 0:00:06")


def test_the_rate_of_a_resumed_job_counts_only_this_run():
    line = format_progress("批量评级", 600, 1000, elapsed=2.0, done_this_run=100, bar_width=None)

    assert line == "批量评级   60.0%  600/1000  50.0/s  预计剩余 0:00:08"


def test_the_last_line_shows_the_time_taken():
    line = format_progress("批量发证", 50, 50, elapsed=75, done_this_run=50, bar_width=None)

    assert line.endswith("100.0%  50/50  0.7/s  用时 0:01:15")


def test_without_a_terminal_it_prints_plain_lines_at_most_twice_a_second():
    out, clock = io.StringIO(), FakeClock()
    bar = progress_bar("主体数据导入", stream=out, clock=clock)

    for done in range(0, 100, 10):  # ten updates within 0.45 s
        bar(done, 100)
        clock.now += 0.05
    clock.now += 0.5
    bar(100, 100)
    bar(100, 100)  # a repeated final call adds nothing

    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("主体数据导入    0.0%  0/100")
    assert "\r" not in out.getvalue()
    assert lines[-1].startswith("主体数据导入  100.0%  100/100")


def test_on_a_terminal_it_redraws_one_line_and_ends_it_when_done():
    out, clock = FakeTerminal(), FakeClock()
    bar = progress_bar("批量评级", stream=out, clock=clock)

    bar(0, 20)
    clock.now += 1
    bar(10, 20)
    clock.now += 1
    bar(20, 20)

    text = out.getvalue()
    assert text.count("\r") == 3
    assert text.endswith("\n")
    assert text.count("\n") == 1
    assert "[###############---------------]" in text


def test_closing_ends_a_line_left_open_by_a_job_that_stopped_early():
    out, clock = FakeTerminal(), FakeClock()
    bar = progress_bar("批量评级", stream=out, clock=clock)
    bar(3, 20)

    bar.close()
    bar.close()

    assert out.getvalue().endswith("\n")
    assert out.getvalue().count("\n") == 1


def test_it_writes_through_a_management_commands_output_wrapper_without_extra_newlines():
    from django.core.management.base import OutputWrapper

    terminal, clock = FakeTerminal(), FakeClock()
    bar = progress_bar("主体数据导入", stream=OutputWrapper(terminal), clock=clock)

    bar(1, 4)
    clock.now += 1
    bar(2, 4)

    assert "\n" not in terminal.getvalue()
    assert terminal.getvalue().count("\r") == 2
