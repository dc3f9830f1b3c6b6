"""The runway's forecast on synthetic histories whose trend is known."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from scheduler.whatif.forecast import MIN_DAYS, NotEnoughHistory, crossing, forecast

START = date(2026, 9, 1)


def history(days: int, level: float, slope: float, season: float, noise: float, seed: int = 0) -> tuple[list[date], list[float]]:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekly = season * np.sin(2 * np.pi * t / 7)
    y = level + slope * t + weekly + rng.normal(0, noise, days)
    return [START + timedelta(days=int(i)) for i in t], [float(v) for v in y]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_known_crossing_date_lies_within_the_interval(seed: int) -> None:
    """0.40 rising 0.002 a day with a weekly swing of 0.03: the noise-free series first reaches 0.80 on the
    day its trend plus that day's weekly swing reaches it (day 190 after the start, 2027-03-10)."""
    days, values = history(84, 0.40, 0.002, 0.03, 0.005, seed)
    f = forecast(days, values, horizon=365, level=0.9)
    c = crossing(f, 0.80, values[-1])
    t = np.arange(1000)
    true_day = START + timedelta(days=int(np.flatnonzero(0.40 + 0.002 * t + 0.03 * np.sin(2 * np.pi * t / 7) >= 0.80)[0]))
    assert true_day == date(2027, 3, 10)
    assert c.expected is not None and c.earliest is not None and c.latest is not None
    assert c.earliest <= c.expected <= c.latest
    assert c.earliest <= true_day <= c.latest, (c, true_day)
    assert abs((c.expected - true_day).days) <= 14  # the mean itself is close: the season does not fool it
    assert f.trend_per_day == pytest.approx(0.002, abs=0.0005)


def test_a_flat_history_does_not_cross() -> None:
    days, values = history(70, 0.5, 0.0, 0.05, 0.002)
    f = forecast(days, values, horizon=180)
    c = crossing(f, 0.9, values[-1])
    assert c.expected is None and c.latest is None and not c.already
    assert (f.lower <= f.mean).all() and (f.mean <= f.upper).all()


def test_already_over_and_too_short() -> None:
    days, values = history(30, 0.9, 0.001, 0.0, 0.001)
    assert crossing(forecast(days, values, horizon=30), 0.8, values[-1]).already
    with pytest.raises(NotEnoughHistory):
        forecast(days[: MIN_DAYS - 1], values[: MIN_DAYS - 1])
