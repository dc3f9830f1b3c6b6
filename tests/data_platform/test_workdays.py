"""Working days on China's official calendar (the clock of the catalog's ten-working-day rule)."""

from __future__ import annotations

from datetime import date

from scheduler.tenants import workdays


def test_national_day_week_and_the_saturday_worked_in_lieu() -> None:
    # 2026: 1-7 October are holidays and Saturday 10 October is a working day (调休).
    assert not workdays.is_workday(date(2026, 10, 1)) and not workdays.is_workday(date(2026, 10, 7))
    assert workdays.is_workday(date(2026, 10, 10))
    # Friday 25 September + 10 working days: 28, 29, 30 Sep, 8, 9, 10 (Sat), 12, 13, 14, 15 Oct.
    assert workdays.add_workdays(date(2026, 9, 25), 10) == date(2026, 10, 15)


def test_spring_festival() -> None:
    # 2026: 15-23 February off (春节), Saturday 14 February worked in lieu.
    assert workdays.is_workday(date(2026, 2, 14)) and not workdays.is_workday(date(2026, 2, 17))
    assert workdays.add_workdays(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_plain_weeks_count_five_days() -> None:
    assert workdays.add_workdays(date(2026, 11, 20), 10) == date(2026, 12, 4)
    assert workdays.workdays_between(date(2026, 11, 20), date(2026, 12, 4)) == 10
    assert workdays.workdays_between(date(2026, 12, 4), date(2026, 11, 20)) == 0


def test_a_year_without_an_official_arrangement_is_counted_monday_to_friday_and_says_so() -> None:
    assert workdays.official(date(2026, 12, 31)) and not workdays.official(date(2027, 1, 4))
    assert workdays.add_workdays(date(2026, 12, 31), 3) == date(2027, 1, 5)  # Fri 1, Mon 4, Tue 5
    assert "Monday to Friday for 2027" in workdays.basis(date(2026, 12, 31), date(2027, 1, 5))
    assert "Monday to Friday" not in workdays.basis(date(2026, 6, 1))
