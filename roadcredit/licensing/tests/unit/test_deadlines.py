"""Time limits in working days, on the real 2026 holiday data (国庆节 1–8 October)."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.core.calendar import WorkingCalendar
from roadcredit.licensing.deadlines import (
    DeadlineRefused,
    check_supplement_deadline,
    correction_deadline,
    correction_window_closed,
    date_zh,
    default_supplement_deadline,
    due_after,
    remedies,
    reminder_due,
    reminders_due,
    working_days_taken,
)

CAL = WorkingCalendar.load()
D = dt.date


@pytest.mark.parametrize(
    ("submitted", "deadline"),
    [
        (D(2026, 6, 1), D(2026, 6, 8)),  # Monday → the next Monday
        (D(2026, 6, 5), D(2026, 6, 12)),  # Friday: the weekend does not count
        (D(2026, 9, 28), D(2026, 10, 10)),  # across 国庆节, ending on its make-up Saturday
        (D(2026, 4, 30), D(2026, 5, 11)),  # across 劳动节 (05-01..05) with make-up 05-09
    ],
)
def test_the_correction_notice_is_due_within_five_working_days(submitted, deadline):
    assert correction_deadline(CAL, submitted, 5) == deadline


def test_the_application_counts_as_accepted_the_day_after_the_correction_deadline():
    submitted = D(2026, 6, 1)
    assert not correction_window_closed(
        CAL, submitted_on=submitted, today=D(2026, 6, 8), working_days=5
    )
    assert correction_window_closed(
        CAL, submitted_on=submitted, today=D(2026, 6, 9), working_days=5
    )


def test_promised_limits_run_in_working_days_from_acceptance():
    assert due_after(CAL, D(2026, 9, 30), 5) == D(2026, 10, 13)


@pytest.mark.parametrize(
    ("deadline", "fragment"),
    [
        (D(2026, 10, 1), "法定节假日（国庆节），不是工作日"),
        (D(2026, 10, 11), "星期日，不是工作日"),
        (D(2026, 9, 21), "须晚于今天（2026年9月21日）"),
        (D(2026, 9, 20), "须晚于今天"),
        (D(2026, 10, 16), "不能晚于本申请的承诺办结期限（2026年10月15日）"),
    ],
)
def test_it_refuses_a_supplement_deadline_on_a_holiday_or_beyond_the_promise(deadline, fragment):
    with pytest.raises(DeadlineRefused) as caught:
        check_supplement_deadline(
            CAL, deadline=deadline, today=D(2026, 9, 21), promised_due=D(2026, 10, 15)
        )
    assert fragment in caught.value.message


def test_a_make_up_saturday_is_an_acceptable_deadline():
    assert check_supplement_deadline(
        CAL, deadline=D(2026, 10, 10), today=D(2026, 9, 21), promised_due=D(2026, 10, 15)
    ) == D(2026, 10, 10)


def test_the_default_supplement_deadline_never_passes_the_promised_limit():
    assert default_supplement_deadline(
        CAL, today=D(2026, 6, 1), working_days=3, promised_due=D(2026, 6, 10)
    ) == D(2026, 6, 4)
    assert default_supplement_deadline(
        CAL, today=D(2026, 6, 1), working_days=3, promised_due=D(2026, 6, 2)
    ) == D(2026, 6, 2)


@pytest.mark.parametrize(
    ("today", "sent", "due"),
    [
        (D(2026, 6, 5), 0, False),  # 3 working days before the deadline of Wed 06-10
        (D(2026, 6, 8), 0, True),  # 2 working days before
        (D(2026, 6, 8), 1, False),  # the first reminder went out; the second is 1 day before
        (D(2026, 6, 9), 1, True),
        (D(2026, 6, 10), 2, False),  # both sent
        (D(2026, 6, 9), 0, True),  # a missed run: one reminder now, counting as both
        (D(2026, 6, 11), 0, False),  # past the deadline: no reminder, termination instead
    ],
)
def test_reminders_go_out_on_their_working_days_before_the_deadline(today, sent, due):
    assert (
        reminder_due(
            CAL, today=today, deadline=D(2026, 6, 10), lead_days=(2, 1), reminders_sent=sent
        )
        is due
    )


def test_a_late_run_counts_every_reminder_that_became_due():
    assert reminders_due(CAL, today=D(2026, 6, 9), deadline=D(2026, 6, 10), lead_days=(2, 1)) == 2
    assert reminders_due(CAL, today=D(2026, 6, 11), deadline=D(2026, 6, 10), lead_days=(2, 1)) == 0


def test_processing_time_counts_working_days():
    assert working_days_taken(CAL, D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert working_days_taken(CAL, D(2026, 6, 1), D(2026, 6, 1)) == 0


def test_adverse_decisions_state_reconsideration_within_60_days_and_litigation_within_6_months():
    statement = remedies(
        served_on=D(2026, 8, 31),
        reconsideration_days=60,
        litigation_months=6,
        reconsideration_body_zh="烟台市牟平区人民政府",
        court_zh="烟台市牟平区人民法院",
    )
    assert statement.reconsideration_until == D(2026, 10, 30)
    assert statement.litigation_until == D(2027, 2, 28)
    assert "六十日内向烟台市牟平区人民政府申请行政复议" in statement.text_zh
    assert "六个月内向烟台市牟平区人民法院提起行政诉讼" in statement.text_zh


def test_dates_read_in_chinese():
    assert date_zh(D(2026, 1, 5)) == "2026年1月5日"
