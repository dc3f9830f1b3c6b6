"""The host power model, as policy: idle and full watts per server model, the site's tariff.

A host that is on draws `idle_w` with nothing running and `full_w` with every vCPU allotted; in
between, linearly in the share of its vCPUs allotted (the usual linear server power model, as in
SPECpower curves). A host that is off draws nothing. Energy per year is power times
`hours_per_year`; its cost is that energy at `tariff_yuan_per_kwh`. A site overrides any of it in its
own policy file (a server model it names replaces the default's entry for that model).

The arithmetic is exact (fractions of the policy's decimal figures), rounded only where it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from optimizer.power import OBJECTIVES, watts_at

POWER_FIELDS = ("host_types", "default", "tariff_yuan_per_kwh", "hours_per_year", "minimise")
MINIMISE = OBJECTIVES  # what consolidation plans minimise: active hosts, or the watts of this model
WATTS_FIELDS = ("idle_w", "full_w")


@dataclass(frozen=True)
class Watts:
    """What one server model draws when on: idle (nothing allotted) and full (every vCPU allotted)."""

    idle_w: float
    full_w: float

    def at(self, share: Fraction) -> Fraction:
        """Watts at `share` (0..1) of the vCPUs allotted."""
        return watts_at(Fraction(str(self.idle_w)), Fraction(str(self.full_w)), share)

    def to_dict(self) -> dict[str, Any]:
        return {"idle_w": self.idle_w, "full_w": self.full_w}


@dataclass(frozen=True)
class Power:
    """The power model: watts per server model (a model not named takes `default`), the tariff, the year."""

    host_types: dict[str, Watts] = field(default_factory=dict)
    default: Watts = field(default_factory=lambda: Watts(200.0, 500.0))
    tariff_yuan_per_kwh: float = 0.5
    hours_per_year: float = 8760.0
    minimise: str = "hosts"  # consolidation plans minimise this unless a plan request says otherwise

    def watts(self, model: str | None) -> Watts:
        return self.host_types.get(model or "", self.default)

    def to_dict(self) -> dict[str, Any]:
        return {"host_types": {k: v.to_dict() for k, v in sorted(self.host_types.items())},
                "default": self.default.to_dict(), "tariff_yuan_per_kwh": self.tariff_yuan_per_kwh,
                "hours_per_year": self.hours_per_year, "minimise": self.minimise}


@dataclass(frozen=True)
class HostState:
    """One host at one moment: its model, its vCPUs, the vCPUs allotted on it, and whether it is on."""

    id: str
    model: str | None
    vcpu: float
    allotted_vcpu: float
    on: bool


def host_watts(power: Power, h: HostState) -> Fraction:
    if not h.on:
        return Fraction(0)
    share = Fraction(str(h.allotted_vcpu)) / Fraction(str(h.vcpu)) if h.vcpu > 0 else Fraction(0)
    return power.watts(h.model).at(share)


def fleet_kw(power: Power, hosts: Iterable[HostState]) -> Fraction:
    return sum((host_watts(power, h) for h in hosts), Fraction(0)) / 1000


def yearly(power: Power, kw: Fraction) -> dict[str, float]:
    """kW, MWh per year and yuan per year, rounded for showing (kW and MWh to 3 places, yuan to 2)."""
    mwh = kw * Fraction(str(power.hours_per_year)) / 1000
    yuan = mwh * 1000 * Fraction(str(power.tariff_yuan_per_kwh))
    return {"kw": round(float(kw), 3), "mwh_per_year": round(float(mwh), 3), "yuan_per_year": round(float(yuan), 2)}
