"""The joint KPIs of the centers and the supply chain, each with its target (pure calculations).

Defaults are the source's targets. Supply chain: inventory turnover at least 5 per year, overstock
below 8% of stock value, emergency transfer cost below 3% of the budget, supplier on-time delivery
above 92%. Centers: parts availability above 95%, satisfaction above 8.5 (of 10), NPS above 70,
first-time-fix rate above 85%. "Above" / "below" are strict, "at least" is not.

Definitions:

* availability = demand lines served from stock / demand lines;
* stockout rate = node x part x periods with demand lost (or lines not served) / those observed;
* turnover = demand (at cost) per year / average stock value;
* overstock = value of the stock above each level plus the margin / value of all stock on hand;
* emergency cost share = emergency transfer cost / budget;
* supplier on-time = deliveries on or before the promised date / deliveries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from partspool.core.policy.replenishment import ReplenishmentRules, StockPosition

Comparison = Literal[">", ">=", "<", "<="]


@dataclass(frozen=True)
class KpiTargets:
    """Target of each KPI (the source's values)."""

    availability: float = 0.95  # >
    turnover: float = 5.0  # >= per year
    overstock: float = 0.08  # <
    emergency_cost_share: float = 0.03  # <
    supplier_on_time: float = 0.92  # >
    satisfaction: float = 8.5  # >
    nps: float = 70.0  # >
    first_time_fix: float = 0.85  # >
    stockout_rate: float | None = None  # no target in the source


_RULES: Mapping[str, Comparison] = {
    "availability": ">", "turnover": ">=", "overstock": "<", "emergency_cost_share": "<",
    "supplier_on_time": ">", "satisfaction": ">", "nps": ">", "first_time_fix": ">", "stockout_rate": "<",
}


@dataclass(frozen=True)
class Kpi:
    """One KPI value against its target; ``met`` is None without a value or a target."""

    name: str
    value: float | None
    target: float | None
    comparison: Comparison
    numerator: float | None = None
    denominator: float | None = None

    @property
    def met(self) -> bool | None:
        """Whether the value meets the target."""
        if self.value is None or self.target is None:
            return None
        return {
            ">": self.value > self.target, ">=": self.value >= self.target,
            "<": self.value < self.target, "<=": self.value <= self.target,
        }[self.comparison]

    def explain(self) -> str:
        """E.g. ``availability 93.2% (target > 95%): missed``."""
        value = "n/a" if self.value is None else f"{self.value:.4g}"
        target = "none" if self.target is None else f"{self.comparison} {self.target:g}"
        verdict = {True: "met", False: "missed", None: "not judged"}[self.met]
        return f"{self.name} {value} (target {target}): {verdict}"


def _kpi(name: str, numerator: float, denominator: float, targets: KpiTargets) -> Kpi:
    if numerator < 0 or denominator < 0:
        raise ValueError(f"{name}: counts and amounts must be 0 or more")
    value = numerator / denominator if denominator > 0 else None
    return Kpi(name, value, getattr(targets, name), _RULES[name], numerator, denominator)


def availability(served_lines: int, demand_lines: int, targets: KpiTargets | None = None) -> Kpi:
    """Share of demand lines served from stock."""
    if served_lines > demand_lines:
        raise ValueError("more lines served than demanded")
    return _kpi("availability", served_lines, demand_lines, targets or KpiTargets())


def stockout_rate(stockouts: int, observations: int, targets: KpiTargets | None = None) -> Kpi:
    """Share of observations (node x part x period, or demand lines) with demand not served."""
    if stockouts > observations:
        raise ValueError("more stockouts than observations")
    return _kpi("stockout_rate", stockouts, observations, targets or KpiTargets())


def inventory_turnover(annual_demand_value: float, average_inventory_value: float,
                       targets: KpiTargets | None = None) -> Kpi:
    """Demand at cost per year / average stock value."""
    return _kpi("turnover", annual_demand_value, average_inventory_value, targets or KpiTargets())


def overstock_share(positions: Iterable[StockPosition], rules: ReplenishmentRules | None = None,
                    targets: KpiTargets | None = None) -> Kpi:
    """Value of stock on hand above each level + margin / value of all stock on hand."""
    rules = rules or ReplenishmentRules()
    above = 0.0
    total = 0.0
    for p in positions:
        total += p.on_hand * p.unit_cost
        above += max(p.on_hand - p.order_up_to - rules.margin(p.order_up_to), 0) * p.unit_cost
    return _kpi("overstock", above, total, targets or KpiTargets())


def emergency_cost_share(emergency_cost: float, budget: float, targets: KpiTargets | None = None) -> Kpi:
    """Emergency transfer cost / budget of the period."""
    return _kpi("emergency_cost_share", emergency_cost, budget, targets or KpiTargets())


def supplier_on_time(on_time: int, deliveries: int, targets: KpiTargets | None = None) -> Kpi:
    """Deliveries on or before the promised date / deliveries."""
    if on_time > deliveries:
        raise ValueError("more deliveries on time than deliveries")
    return _kpi("supplier_on_time", on_time, deliveries, targets or KpiTargets())


def service_kpis(
    *, satisfaction: float | None = None, nps: float | None = None, first_time_fix: float | None = None,
    targets: KpiTargets | None = None,
) -> list[Kpi]:
    """The service side (measured elsewhere): satisfaction (0-10), NPS (-100..100), first-time fix."""
    targets = targets or KpiTargets()
    return [Kpi(name, value, getattr(targets, name), _RULES[name])
            for name, value in (("satisfaction", satisfaction), ("nps", nps), ("first_time_fix", first_time_fix))]
