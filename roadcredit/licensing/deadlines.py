"""Time limits of the licensing procedure (pure Python, no Django).

Working days come from a calendar object (``roadcredit.core.calendar.WorkingCalendar`` in
production; anything with the same three methods in tests), so every rule here is testable
without a database.

* 退回补正 / deemed acceptance: incomplete materials must be notified once and in full within
  ``correction_working_days`` (5) working days of submission; after that the application counts
  as accepted (《行政许可法》第三十二条).
* Promised and statutory time limits run in working days from acceptance.
* 容缺受理: the supplement deadline is a working day after today and never beyond the promised
  time limit.
* Adverse decisions state the right to administrative reconsideration (60 days) and litigation
  (6 months); ``remedies`` gives the dates and the sentence.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

from roadcredit.credit.grading.dates import add_months

WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class Calendar(Protocol):
    def add_working_days(self, start: datetime.date, days: int) -> datetime.date: ...

    def is_working_day(self, day: datetime.date) -> bool: ...

    def holiday_name(self, day: datetime.date) -> str | None: ...


class DeadlineRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def date_zh(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def correction_deadline(
    calendar: Calendar, submitted_on: datetime.date, working_days: int
) -> datetime.date:
    """Last day on which a correction notice may be sent (the 5th working day after the day of
    submission; the day itself is not counted)."""
    return calendar.add_working_days(submitted_on, working_days)


def correction_window_closed(
    calendar: Calendar, *, submitted_on: datetime.date, today: datetime.date, working_days: int
) -> bool:
    """True once the correction deadline has passed without a notice: deemed acceptance."""
    return today > correction_deadline(calendar, submitted_on, working_days)


def due_after(calendar: Calendar, start: datetime.date, working_days: int) -> datetime.date:
    """The ``working_days``-th working day after ``start`` (a promised or statutory limit)."""
    return calendar.add_working_days(start, working_days)


def check_supplement_deadline(
    calendar: Calendar,
    *,
    deadline: datetime.date,
    today: datetime.date,
    promised_due: datetime.date,
) -> datetime.date:
    """Refuse a 容缺 supplement deadline that is not after today, not a working day, or later
    than the promised time limit; return it unchanged when it is fine."""
    if deadline <= today:
        raise DeadlineRefused(f"补正期限须晚于今天（{date_zh(today)}）")
    if not calendar.is_working_day(deadline):
        holiday = calendar.holiday_name(deadline)
        why = f"法定节假日（{holiday}）" if holiday else WEEKDAYS_ZH[deadline.weekday()]
        raise DeadlineRefused(f"补正期限 {date_zh(deadline)} 是{why}，不是工作日，请选择工作日")
    if deadline > promised_due:
        raise DeadlineRefused(f"补正期限不能晚于本申请的承诺办结期限（{date_zh(promised_due)}）")
    return deadline


def default_supplement_deadline(
    calendar: Calendar,
    *,
    today: datetime.date,
    working_days: int,
    promised_due: datetime.date,
) -> datetime.date:
    """The default 容缺 deadline: ``working_days`` working days from today, capped at the
    promised limit (itself a working day)."""
    return min(calendar.add_working_days(today, working_days), promised_due)


def reminders_due(
    calendar: Calendar,
    *,
    today: datetime.date,
    deadline: datetime.date,
    lead_days: tuple[int, ...],
) -> int:
    """How many of a 容缺 notice's reminders are due by ``today``: reminder ``n`` (0-based) is
    due from the ``lead_days[n]``-th working day before the deadline (``lead_days`` longest
    first). None after the deadline: then the matter is terminated instead."""
    if today > deadline:
        return 0
    return sum(1 for lead in lead_days if today >= calendar.add_working_days(deadline, -lead))


def reminder_due(
    calendar: Calendar,
    *,
    today: datetime.date,
    deadline: datetime.date,
    lead_days: tuple[int, ...],
    reminders_sent: int,
) -> bool:
    """Whether a reminder should go out today (one message, however many became due)."""
    due = reminders_due(calendar, today=today, deadline=deadline, lead_days=lead_days)
    return due > reminders_sent


def working_days_taken(calendar: Calendar, start: datetime.date, end: datetime.date) -> int:
    """Working days from ``start`` to ``end`` (0 when finished on the same day)."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


@dataclass(frozen=True)
class RemedyStatement:
    reconsideration_until: datetime.date
    litigation_until: datetime.date
    text_zh: str


def remedies(
    *,
    served_on: datetime.date,
    reconsideration_days: int,
    litigation_months: int,
    reconsideration_body_zh: str,
    court_zh: str,
) -> RemedyStatement:
    """The remedies sentence of an adverse decision served on ``served_on`` (the periods run
    from the day the applicant receives it; the dates assume service on that day)."""
    reconsideration_until = served_on + datetime.timedelta(days=reconsideration_days)
    litigation_until = add_months(served_on, litigation_months)
    months_zh = {6: "六"}.get(litigation_months, str(litigation_months))
    days_zh = {60: "六十"}.get(reconsideration_days, str(reconsideration_days))
    text = (
        f"如不服本决定，可以自收到本决定之日起{days_zh}日内向{reconsideration_body_zh}申请行政复议，"
        f"或者自收到本决定之日起{months_zh}个月内向{court_zh}提起行政诉讼"
        f"（按本决定作出之日送达计算，分别至{date_zh(reconsideration_until)}、"
        f"{date_zh(litigation_until)}止）。"
    )
    return RemedyStatement(reconsideration_until, litigation_until, text)
