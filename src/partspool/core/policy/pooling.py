"""A class's availability target reached by its parts together, at the least capital.

The source promises class A an availability above 95% and class B above 85%. Availability is measured
over a node's parts of the class, not part by part, yet a per-part target gives every part the same fill
rate: whole units overshoot it, and a slow part needs much stock for each point of its own fill rate.
Reaching the class's target over its parts together (``allocation``) keeps the stock where a yuan held
serves the most demand by value: the same expected fill rate for the class, with less capital.

The fill rate is weighed by demand value and the stock priced at unit cost, so a part's cost cancels in
its own choice (a unit of a dear part serves as much value per yuan as a unit of a cheap one serving
as many units): what moves stock is how many units one more unit on the shelf serves. Where the
per-part levels would reach at least the pool's fill rate with no more capital, and for a target of
100% (which no finite stock reaches), the option keeps the per-part levels.

``add_class_pools`` adds that level to each ``Comparison`` as one more option, ``class_pool``, beside
the per-part target and the days-of-cover rule. Parts of one node and class form one pool (with a
target given for every class, all the node's parts form one). The pool's fill rate is weighed as the
node's figures weigh it (``summarise_comparisons``: by demand value where every part has a unit cost,
else by units), so the class's total shows the target reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from partspool.core.policy.abc_analysis import ServicePolicies
from partspool.core.policy.allocation import allocate_fill_rate
from partspool.core.policy.compare import Comparison, PolicyOption
from partspool.core.policy.demand import ProtectionDemand, StockRules, protection_demand
from partspool.core.policy.levels import StockLevel

POOL_OPTION = "class_pool"
SERVICE_OPTION = "service_level"


def add_class_pools(comparisons: Sequence[Comparison], *, groups: Sequence[str], lead_time: int,
                    target: float | None = None, services: ServicePolicies | None = None,
                    months: Sequence[int] | None = None, rules: StockRules | None = None,
                    members: Sequence[bool] | None = None) -> list[Comparison]:
    """Each comparison with the option ``class_pool`` after its ``service_level`` option.

    Args:
        comparisons: one per node x part, with their demand model (``compare_policies``).
        groups: each one's node (pools never span nodes).
        lead_time: replenishment lead time in periods, as the comparisons were set with.
        target: the fill-rate target of every class (None: each class's own; a class kept without
            stock then stays without).
        services: the class policies (defaults: the source's).
        months: calendar months of the periods after the review (seasonal models).
        rules: the settings.
        members: which comparisons join a pool (None: all); the others get their per-part level as
            this option too (e.g. the own row of a part whose stock only bounds its family's).
    """
    if len(groups) != len(comparisons) or (members is not None and len(members) != len(comparisons)):
        raise ValueError("one group (and one membership) is needed per comparison")
    services = services or ServicePolicies()
    rules = rules or StockRules()
    options: list[PolicyOption | None] = [None] * len(comparisons)
    pools: dict[tuple[str, str], list[int]] = {}
    for i, comparison in enumerate(comparisons):
        service = services.for_class(comparison.abc_class) if comparison.abc_class is not None else None
        unstocked = target is None and service is not None and not service.stocked
        if comparison.model is None or unstocked or (members is not None and not members[i]):
            continue
        klass = "all" if target is not None or comparison.abc_class is None else str(comparison.abc_class)
        pools.setdefault((groups[i], klass), []).append(i)
    for (_group, klass), rows in pools.items():
        goal = target if target is not None else (
            services.for_class(klass).target_availability if klass != "all" else 0.95)
        if goal >= 1.0:  # no finite stock serves every unit: the pool would stock each part to its curve's top
            continue
        demands = [protection_demand(comparisons[i].model, lead_time=lead_time, months=months, rules=rules)  # type: ignore[arg-type]
                   for i in rows]
        per_part = [comparisons[i].option(SERVICE_OPTION) for i in rows]
        by_value = all(comparisons[i].unit_cost > 0 for i in rows)
        values = costs = None
        if by_value:
            costs = [comparisons[i].unit_cost for i in rows]
            # a unit served weighs its part's year of demand value over its review period's demand, so the
            # pool's fill rate is the demand-value-weighted one the node's totals show
            values = [o.annual_demand_value / d.review_mean if d.review_mean > 0 and o.annual_demand_value > 0
                      else c for o, d, c in zip(per_part, demands, costs, strict=True)]
        levels = allocate_fill_rate(demands, goal, [None if klass == "all" else klass] * len(rows),
                                    values=values, costs=costs)
        if _dominated(levels, per_part, [comparisons[i].unit_cost for i in rows], values, demands, goal):
            continue  # the per-part levels serve as much for no more capital: the option keeps them
        for i, level, own in zip(rows, levels, per_part, strict=True):
            options[i] = PolicyOption(POOL_OPTION, level, level.average_stock,
                                      level.average_stock * comparisons[i].unit_cost, level.expected_fill_rate,
                                      own.annual_demand_value)
    out = []
    for comparison, pooled in zip(comparisons, options, strict=True):
        names = [o.name for o in comparison.options]
        if POOL_OPTION in names:
            raise ValueError(f"{comparison.key} has a {POOL_OPTION} option already")
        own = comparison.option(SERVICE_OPTION)
        pooled = pooled or replace(own, name=POOL_OPTION)
        at = names.index(SERVICE_OPTION) + 1
        out.append(replace(comparison, options=(*comparison.options[:at], pooled, *comparison.options[at:])))
    return out


def _dominated(levels: Sequence[StockLevel], own: Sequence[PolicyOption], unit_costs: Sequence[float],
               values: Sequence[float] | None, demands: Sequence[ProtectionDemand], goal: float = 1.0) -> bool:
    """Whether the per-part levels ``own`` serve as the pool must (at least the pooled ``levels``' fill rate as
    the pool weighs it, or the target ``goal`` itself) with no more capital (units where there are no costs):
    the pool then keeps them, so it never costs more than the per-part levels."""
    weights = values if values is not None else [1.0] * len(levels)
    costs = unit_costs if values is not None else [1.0] * len(levels)
    demanded = sum(w * d.review_mean for w, d in zip(weights, demands, strict=True))
    if demanded <= 0:
        return False

    def fill(rates: Sequence[float]) -> float:
        return sum(w * d.review_mean * r for w, d, r in zip(weights, demands, rates, strict=True)) / demanded

    pooled_fill = fill([lv.expected_fill_rate for lv in levels])
    own_fill = fill([o.level.expected_fill_rate for o in own])
    pooled_stock = sum(c * lv.average_stock for c, lv in zip(costs, levels, strict=True))
    own_stock = sum(c * o.level.average_stock for c, o in zip(costs, own, strict=True))
    return own_fill >= min(pooled_fill, goal) - 1e-12 and own_stock <= pooled_stock + 1e-9
