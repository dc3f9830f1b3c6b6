"""Working days on China's official calendar: the clock of the catalog's ten-working-day rule.

Public holidays and the weekend days made working days in lieu (调休) come from the
`chinesecalendar` package, which carries each year's State Council arrangement. A year it does not
know yet is counted Monday to Friday, and `basis` says so, because a deadline computed on a guess
must not look like an official one.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no arrangement for
        return day.weekday() < 5


def official(day: date) -> bool:
    """Whether the official arrangement of `day`'s year is known."""
    try:
        chinese_calendar.is_workday(day)
        return True
    except NotImplementedError:
        return False


def add_workdays(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself not counted)."""
    day, left = start, n
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def workdays_between(a: date, b: date) -> int:
    """Working days in (a, b]: how many working days `b` lies after `a` (0 when b <= a)."""
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        count += is_workday(day)
    return count


def basis(*days: date) -> str:
    """How deadlines over these days were counted, for the answer that shows them."""
    unknown = sorted({d.year for d in days if not official(d)})
    if not unknown:
        return "China's official calendar (public holidays and working days in lieu)"
    return ("China's official calendar; Monday to Friday for " + ", ".join(map(str, unknown)) +
            " (no official arrangement published in the calendar data yet)")
