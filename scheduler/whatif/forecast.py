"""A daily utilisation series forecast: additive trend and weekly season (statsmodels' ETS), with a
prediction interval, and the day it first crosses a threshold.

ETS(A,A,A) with a 7-day season is the Holt-Winters model written as a state-space model, so its
prediction intervals come from the model itself rather than a rule of thumb. The crossing day is read
off the forecast's mean; its interval off the interval's bounds: the upper bound crosses first (the
earliest plausible day), the lower bound last (the latest plausible day; None: not within the horizon).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

SEASON_DAYS = 7
MIN_DAYS = 2 * SEASON_DAYS + 2  # two whole weeks and a little: fewer cannot separate trend from season


class NotEnoughHistory(ValueError):
    pass


@dataclass(frozen=True)
class Forecast:
    start: date  # the first forecast day (the day after the last observed one)
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    trend_per_day: float

    def day(self, i: int) -> date:
        return self.start + timedelta(days=i)


@dataclass(frozen=True)
class Crossing:
    """When the forecast first reaches `threshold`: expected, earliest and latest (None: beyond the horizon)."""

    threshold: float
    expected: date | None
    earliest: date | None
    latest: date | None
    already: bool  # the last observed day is at or above it


def forecast(days: list[date], values: list[float], horizon: int = 365, level: float = 0.9) -> Forecast:
    """Fit ETS(A,A,A) with a weekly season to a daily series (gaps filled by the day before) and forecast."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if len(days) != len(values):
        raise ValueError("days and values differ in length")
    pairs = sorted(zip(days, values))
    if not pairs or (pairs[-1][0] - pairs[0][0]).days + 1 < MIN_DAYS:
        n = (pairs[-1][0] - pairs[0][0]).days + 1 if pairs else 0
        raise NotEnoughHistory(f"{n} days of history; the forecast needs at least {MIN_DAYS}")
    first = pairs[0][0]
    by_day = {d: v for d, v in pairs}
    series, last = [], pairs[0][1]
    for i in range((pairs[-1][0] - first).days + 1):
        last = by_day.get(first + timedelta(days=i), last)
        series.append(float(last))
    import pandas as pd

    y = pd.Series(series, index=pd.date_range(first.isoformat(), periods=len(series), freq="D"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short, clean series
        fit = ETSModel(y, error="add", trend="add", seasonal="add", seasonal_periods=SEASON_DAYS).fit(disp=False)
        frame = fit.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=1 - level)
    return Forecast(start=pairs[-1][0] + timedelta(days=1), mean=frame["mean"].to_numpy(),
                    lower=frame["pi_lower"].to_numpy(), upper=frame["pi_upper"].to_numpy(), level=level,
                    trend_per_day=float(frame["mean"].iloc[-1] - frame["mean"].iloc[0]) / max(1, horizon - 1))


def _first(values: np.ndarray, threshold: float) -> int | None:
    hit = np.flatnonzero(values >= threshold)
    return int(hit[0]) if len(hit) else None


def crossing(f: Forecast, threshold: float, last_value: float) -> Crossing:
    if last_value >= threshold:
        return Crossing(threshold, None, None, None, already=True)
    i, lo, hi = _first(f.mean, threshold), _first(f.upper, threshold), _first(f.lower, threshold)
    return Crossing(threshold, f.day(i) if i is not None else None, f.day(lo) if lo is not None else None,
                    f.day(hi) if hi is not None else None, already=False)
