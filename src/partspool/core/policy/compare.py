"""Service-level stock side by side with the days-of-cover rule: capital, fill rate, turnover.

For one node x part, ``compare_policies`` sets the level three ways by default — the fill-rate
target of its class (or a given one), 15 days of cover and 30 days of cover (the source's rule and
its raised version) — and gives for each the expected average stock, the capital it ties up
(average stock x unit cost), the expected fill rate and the turnover (demand value per year /
average stock value). ``summarise_comparisons`` adds them up per class, per node or overall:
capital and demand add up, the fill rate is weighted by demand, and the turnover is recomputed
from the sums. For a whole node, ``batch.compare_policies_many`` gives the same comparisons for
thousands of series at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from partspool.core.policy.abc_analysis import AbcClass, ServicePolicies
from partspool.core.policy.demand import DemandModel, Frequency, StockRules, protection_demand
from partspool.core.policy.levels import StockLevel, level_fixed, level_for_days, level_for_fill_rate

MIN_CAPITAL = 0.005  # yuan: less is no stock at all (a level of 0 can leave 1e-17 of rounding)


@dataclass(frozen=True)
class PolicyOption:
    """One way of setting the level, and what it is expected to give."""

    name: str  # "service_level", "days_15", "days_30", ...
    level: StockLevel
    average_inventory: float
    capital: float
    fill_rate: float
    annual_demand_value: float

    @property
    def turnover(self) -> float | None:
        """Demand value per year / average stock value (None without stock: below half a fen of capital,
        which is rounding left over from a level of 0)."""
        return self.annual_demand_value / self.capital if self.capital >= MIN_CAPITAL else None


@dataclass(frozen=True)
class Comparison:
    """The options for one node x part (``key``), with its class, unit cost and demand model."""

    key: str
    abc_class: AbcClass | None
    unit_cost: float
    options: tuple[PolicyOption, ...]
    model: DemandModel | None = None
    replaced_by: str | None = None  # run down: its successor (see ``supersession``) ...
    effective: str | None = None  # ... in force from this date (as the data gives it)
    inherits: tuple[str, ...] = ()  # a successor: the replaced parts whose demand its level counts
    keeps_at_most: dict[str, int] | None = None  # run down beside other parts replaced by the same successor:
    # per option, its own level (at most this much of its stock is kept for the family)

    def option(self, name: str) -> PolicyOption:
        """The option called ``name``."""
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)


def compare_policies(
    model: DemandModel,
    *,
    key: str,
    lead_time: int,
    unit_cost: float,
    frequency: Frequency,
    abc_class: AbcClass | str | None = None,
    target: float | None = None,
    services: ServicePolicies | None = None,
    cover_days: Sequence[float] | None = None,
    months: Sequence[int] | None = None,
    rules: StockRules | None = None,
) -> Comparison:
    """Set the level by service level and by days of cover, and compare the expected figures.

    Args:
        model: the demand model of the node x part.
        key: its name in the result.
        lead_time: replenishment lead time in periods.
        unit_cost: cost of one unit (CNY), for the capital tied up.
        frequency: the period length of the model.
        abc_class: its class; the class's availability target applies unless ``target`` is given,
            and a class kept without stock gets level 0 under the service policy.
        target: fill-rate target overriding the class's.
        services: the class policies (defaults: the source's).
        cover_days: the days-of-cover variants (default: the settings' 15 and 30).
        months: calendar months of the periods after the review (seasonal models).
        rules: the settings.
    """
    rules = rules or StockRules()
    services = services or ServicePolicies()
    if unit_cost < 0:
        raise ValueError("unit cost must be 0 or more")
    cls = AbcClass(abc_class) if abc_class is not None else None
    label = cls.value if cls else None
    demand = protection_demand(model, lead_time=lead_time, months=months, rules=rules)
    options: list[StockLevel] = []
    service = services.for_class(cls) if cls else None
    if target is None and service is not None and not service.stocked:
        options.append(level_fixed(demand, 0, method="no_stock", label=label))
    else:
        goal = target if target is not None else (service.target_availability if service else 0.95)
        options.append(level_for_fill_rate(demand, goal, label=label))
    daily = model.flat_mean / rules.period_days(frequency)
    days = tuple(cover_days) if cover_days is not None else (rules.cover_days, rules.raised_cover_days)
    options.extend(level_for_days(demand, d, daily_demand=daily, rounding=rules.cover_rounding, label=label)
                   for d in days)
    annual_value = model.year_ahead_mean * rules.periods_per_year(frequency) * unit_cost  # the year the stock serves
    names = ["service_level", *(f"days_{d:g}" for d in days)]
    return Comparison(key, cls, unit_cost, tuple(
        PolicyOption(name, level, level.average_stock, level.average_stock * unit_cost,
                     level.expected_fill_rate, annual_value)
        for name, level in zip(names, options, strict=True)
    ), model)


def run_down_comparison(key: str, *, successor: str, effective: str | None, unit_cost: float, lead_time: int,
                        option_names: Sequence[str], rules: StockRules | None = None) -> Comparison:
    """A replaced part: level 0 under every option (nothing more is ordered; its shelf is used up), no
    demand of its own (its successor's level counts it), so it weighs nothing in the totals."""
    rules = rules or StockRules()
    level = StockLevel(method="run_down", order_up_to=0, lead_time=lead_time, review=rules.review_periods,
                       protection_mean=0.0, protection_sd=0.0, review_mean=0.0, family="none",
                       expected_fill_rate=1.0, cycle_service_level=1.0, expected_on_hand=0.0)
    return Comparison(key, None, unit_cost, tuple(PolicyOption(name, level, 0.0, 0.0, 1.0, 0.0)
                                                   for name in option_names),
                      replaced_by=successor, effective=effective)


@dataclass(frozen=True)
class OptionTotals:
    """An option added up over a group of comparisons."""

    name: str
    items: int
    capital: float
    annual_demand_value: float
    fill_rate: float  # weighted by demand value (by units when a part of the group has no unit cost)

    @property
    def turnover(self) -> float | None:
        """Demand value per year / capital tied up (None without stock, as ``PolicyOption.turnover``)."""
        return self.annual_demand_value / self.capital if self.capital >= MIN_CAPITAL else None


def summarise_comparisons(
    comparisons: Iterable[Comparison], group: Callable[[Comparison], str] = lambda c: "all"
) -> dict[str, tuple[OptionTotals, ...]]:
    """Totals per group (e.g. ``lambda c: c.abc_class``) and option, options in their order."""
    groups: dict[str, list[Comparison]] = {}
    for comparison in comparisons:
        groups.setdefault(str(group(comparison)), []).append(comparison)
    sums: dict[str, dict[str, list[float]]] = {}
    for name, members in groups.items():
        bucket = sums.setdefault(name, {})
        # one basis per group: yuan and units do not add up (a part without a cost would weigh its units
        # against the others' yuan)
        by_value = all(c.unit_cost > 0 for c in members)
        for option in (o for c in members for o in c.options):
            weight = option.annual_demand_value if by_value else option.level.review_mean
            row = bucket.setdefault(option.name, [0, 0.0, 0.0, 0.0, 0.0])
            row[0] += 1
            row[1] += option.capital
            row[2] += option.annual_demand_value
            row[3] += option.fill_rate * weight
            row[4] += weight
    return {
        name: tuple(OptionTotals(option, int(v[0]), v[1], v[2], v[3] / v[4] if v[4] > 0 else 1.0)
                    for option, v in bucket.items())
        for name, bucket in sums.items()
    }
