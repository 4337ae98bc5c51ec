"""Back-testing a stocking policy: set it from the past, replay the held-out periods.

``simulate`` takes a long demand frame, holds out each series' last ``holdout`` periods, sets the
policy's order-up-to levels from the periods before them only, and replays the held-out demand
period by period (event order in ``replay``). Totals, over all series:

* ``fill_rate``: units served from stock / units demanded (1.0 when nothing was demanded);
* ``average_inventory``: closing stock on hand in units, averaged over series and periods;
* ``stockout_rate``: share of series-periods with some demand lost (a period without demand
  counts as no stockout); ``stockout_rate_demand_periods`` divides by the series-periods with
  demand instead;
* ``average_stock``: the stock through each period (its opening stock after receipts and its
  closing stock, averaged: the stock as it goes out), the measure the application's capital uses;
* ``turnover``: demand per year / average stock through the periods (in value when unit costs are
  given; ``average_inventory_value`` is that stock's value).

Policies: ``ServiceLevelPolicy`` (the smallest level reaching a fill-rate target, seasonal where
the history is), ``DaysOfCoverPolicy`` (the source's rule: D days of average demand),
``ClassPolicy`` (ABC on the history, then each class's service policy: A and B at their
availability targets, C without stock), ``FixedLevelPolicy`` (given levels, e.g. today's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from partspool.core.policy.abc_analysis import AbcClass, AbcItem, AbcRules, ServicePolicies, classify_abc
from partspool.core.policy.allocation import Exchange, level_at_price, price_for_fill_rate
from partspool.core.policy.demand import (
    DemandModel,
    Frequency,
    StockRules,
    estimate_demand,
    panel_growth,
    project_growth,
    protection_demand,
)
from partspool.core.policy.first_demand import first_demand_model, first_demands
from partspool.core.policy.frames import (
    DemandFrameError,
    DemandPanel,
    FrameProblem,
    Series,
    read_demand_frame,
)
from partspool.core.policy.levels import (
    StockLevel,
    check_fraction,
    level_fixed,
    level_for_days,
    level_for_fill_rate,
)
from partspool.core.policy.moderation import moderate_dispersion
from partspool.core.policy.replay import ReplayArrays, replay
from partspool.core.policy.shape import learn_shape, shape_models
from partspool.core.policy.supersession import Link, successor_heads


@dataclass(frozen=True)
class ServiceLevelPolicy:
    """Order up to the smallest level whose expected fill rate reaches the target.

    ``scope``: ``series`` — each series reaches the target; ``pooled`` — all series together
    reach it at the least stock (see ``allocation``; the stock price is set from the first review
    of the holdout and then applied to every review).
    """

    target_fill_rate: float = 0.95
    scope: Literal["series", "pooled"] = "series"
    name = "service-level"

    def __post_init__(self) -> None:
        check_fraction(self.target_fill_rate, "target fill rate")
        if self.scope not in ("series", "pooled"):
            raise ValueError(f"unknown scope {self.scope!r} (series or pooled)")


@dataclass(frozen=True)
class DaysOfCoverPolicy:
    """Order up to ``days`` of average daily demand (the source: 15 days, raised to 30)."""

    days: float = 15.0
    name = "days-of-cover"

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError("days of cover must be 0 or more")


@dataclass(frozen=True)
class ClassPolicy:
    """Classify the series by demand (ABC), then follow each class's service policy.

    ``scope``: ``series`` — each series reaches its class's target; ``pooled`` — each class's series
    together reach it (``allocation``; with unit costs for all of a class's series, its fill rate is
    weighed by value and its stock priced at cost). Each series takes its best level at the class's price
    from the first review, as the application's ``class_pool`` option does (which then also tops a class
    up a unit at a time should the price's levels fall short).
    """

    services: ServicePolicies = field(default_factory=ServicePolicies)
    abc: AbcRules = field(default_factory=AbcRules)
    scope: Literal["series", "pooled"] = "series"
    name = "abc-class"

    def __post_init__(self) -> None:
        if self.scope not in ("series", "pooled"):
            raise ValueError(f"unknown scope {self.scope!r} (series or pooled)")


Pricing = Mapping[AbcClass | None, float]  # pooled targets' prices per unit of stock, per class (None: the set's)


@dataclass(frozen=True)
class FixedLevelPolicy:
    """Given order-up-to levels per series (``default`` for series not listed)."""

    levels: Mapping[str, int] = field(default_factory=dict)
    default: int | None = None
    name = "fixed"


Policy = ServiceLevelPolicy | DaysOfCoverPolicy | ClassPolicy | FixedLevelPolicy


@dataclass(frozen=True)
class PeriodStep:
    """One period of one series' replay (for tables and checks)."""

    ds: str
    received: int
    available: int
    demand: int
    served: int
    lost: int
    on_hand: int
    ordered: int
    on_order: int
    order_up_to: int


@dataclass(frozen=True)
class SeriesResult:
    """One series' replay: totals, the level it started with and why, the period steps."""

    unique_id: str
    demanded: int
    served: int
    lost: int
    fill_rate: float | None
    average_inventory: float
    stockout_periods: int
    orders: int
    order_up_to: int
    level: StockLevel | None
    abc_class: AbcClass | None
    model: str
    steps: tuple[PeriodStep, ...]
    # where a seasonal model moves the level through the holdout: (review, ds of the period it precedes,
    # None for the review closing the last one, the level and why), one entry each time the level changes
    changes: tuple[tuple[int, str | None, StockLevel], ...] = ()
    average_stock: float = 0.0  # through each period: the mean of its opening (after receipts) and closing stock

    def to_dict(self, steps: bool = False) -> dict[str, Any]:
        """Plain data for JSON."""
        out: dict[str, Any] = {
            "unique_id": self.unique_id, "demanded": self.demanded, "served": self.served,
            "lost": self.lost, "fill_rate": self.fill_rate, "average_inventory": self.average_inventory,
            "average_stock": self.average_stock, "stockout_periods": self.stockout_periods, "orders": self.orders,
            "order_up_to": self.order_up_to, "abc_class": self.abc_class.value if self.abc_class else None,
            "demand_model": self.model, "why": self.level.explain() if self.level else None,
        }
        if len(self.changes) > 1:  # the level moved with the season: each level in force, and why
            out["levels"] = [{"review": r, "before_period": ds, "order_up_to": level.order_up_to,
                              "why": level.explain()} for r, ds, level in self.changes]
        if steps:
            out["steps"] = [vars(step) for step in self.steps]
        return out


@dataclass(frozen=True)
class SimulationResult:
    """Totals over all series, and each series' detail."""

    policy: str
    parameters: Mapping[str, Any]
    frequency: Frequency
    holdout: int
    lead_time: int
    series: int
    demanded: int
    served: int
    lost: int
    fill_rate: float
    average_inventory: float
    stockout_rate: float
    stockout_rate_demand_periods: float
    turnover: float | None
    average_inventory_value: float | None
    details: tuple[SeriesResult, ...]
    fill_rate_value: float | None = None  # value served / value demanded (with unit costs)
    # the demand on series with none in their history (a part that never sold there: no rule that reads
    # history stocks it) and the fill rate on the others, so the two parts of a shortfall can be told apart
    demanded_without_history: int = 0
    fill_rate_with_history: float | None = None
    supersessions: int = 0  # links in force during the replay
    successors_added: int = 0  # successors with no series of their own, replayed from zero demand
    pairs_added: int = 0  # node x part pairs missing from the file, replayed from zero demand (first demand)
    first_demand_pairs: int = 0  # pairs with no demand before the holdout given the network's estimate
    review_periods: int = 1  # periods between two reviews (orders go out only then)
    average_stock: float = 0.0  # through each period (opening after receipts and closing, averaged)

    def to_dict(self, per_series: bool = False) -> dict[str, Any]:
        """Plain data for JSON (per-series rows on request)."""
        out: dict[str, Any] = {
            "policy": self.policy, "parameters": dict(self.parameters), "frequency": self.frequency.value,
            "holdout": self.holdout, "lead_time": self.lead_time, "review_periods": self.review_periods,
            "series": self.series,
            "fill_rate": self.fill_rate, "average_inventory": self.average_inventory,
            "average_stock": self.average_stock, "stockout_rate": self.stockout_rate,
            "stockout_rate_demand_periods": self.stockout_rate_demand_periods,
            "demanded": self.demanded, "served": self.served, "lost": self.lost,
            "turnover": self.turnover, "average_inventory_value": self.average_inventory_value,
            "fill_rate_value": self.fill_rate_value,
            "demanded_without_history": self.demanded_without_history,
            "fill_rate_with_history": self.fill_rate_with_history,
            "supersessions": self.supersessions, "successors_added": self.successors_added,
            "pairs_added": self.pairs_added, "first_demand_pairs": self.first_demand_pairs,
        }
        if per_series:
            out["per_series"] = [d.to_dict() for d in self.details]
        return out


def simulate(
    history: Any,
    *,
    holdout: int,
    policy: Policy,
    lead_time: int,
    rules: StockRules | None = None,
    unit_costs: Mapping[str, float] | None = None,
    frequency: Frequency | str | None = None,
    min_history: int = 6,
    supersessions: Sequence[Link] | None = None,
    first_demand: bool = False,
    separator: str = "|",
) -> SimulationResult:
    """Set a policy from each series' history before the last ``holdout`` periods and replay them.

    Args:
        history: a long frame ``unique_id, ds, y`` (pandas) or an already checked ``DemandPanel``.
        holdout: periods replayed at the end of each series (1 or more).
        policy: how the levels are set.
        lead_time: periods between an order and its arrival (0 or more).
        rules: demand modelling and level settings.
        unit_costs: unit cost per series, for the inventory value and the turnover in value.
        frequency: the period length; None infers it.
        min_history: periods each series needs before the holdout.
        supersessions: links between series (``supersession.Link`` of unique_ids, ``effective`` a date,
            or None: before the holdout). From a lead time before the first held-out period a link holds,
            the two are managed as one: the replaced series is run down (level 0), its successor's level
            is set on the family's history (its own plus theirs) and its order is net of their stock, and
            each one's shelf serves what the other's cannot (the old stock is used up). The planner knows
            them in advance, as a supersession is announced before it is in force. Not with fixed levels.
        first_demand: each unique_id is ``NODE<separator>PART``; every node × part pair of the file is
            replayed (those missing get zeros), and a pair with no demand before the holdout is given the
            demand the network predicts for it (``first_demand``) under a fill-rate target (service-level
            policies; the days-of-cover rule reads its history's average, 0).
        separator: between the node and the part in a unique_id.

    Returns:
        The totals and each series' result.

    Raises:
        DemandFrameError: the frame is unusable or a series is too short for the holdout.
        ValueError: a setting is out of range.
    """
    rules = rules or StockRules()
    if holdout < 1:
        raise ValueError("the holdout must be at least 1 period")
    if lead_time < 0:
        raise ValueError("lead time must be 0 or more periods")
    if min_history < 1:
        raise ValueError("min_history must be at least 1 period")
    panel = history if isinstance(history, DemandPanel) else read_demand_frame(history, frequency)
    pairs_added = 0
    if first_demand:
        before = len(panel.series)
        _check_pair_ids([i for link in supersessions or () for i in (link.old, link.new)], separator)
        panel = complete_pairs(panel, separator)
        pairs_added = len(panel.series) - before
        if unit_costs is not None:  # a pair added costs what its part costs elsewhere
            by_part = {uid.split(separator, 1)[1]: cost for uid, cost in unit_costs.items() if _pair_id(uid, separator)}
            unit_costs = {**{s.unique_id: by_part[s.unique_id.split(separator, 1)[1]]
                             for s in panel.series[before:] if s.unique_id.split(separator, 1)[1] in by_part},
                          **unit_costs}
    if supersessions and isinstance(policy, FixedLevelPolicy):
        raise ValueError("supersessions need a policy that sets its levels from the history, not fixed levels")
    panel, family = _supersessions(panel, supersessions or (), holdout, lead_time)
    short = [f"{s.unique_id} ({len(s)})" for s in panel.series if len(s) < holdout + min_history]
    if short:
        listed = ", ".join(short[:5]) + (f" and {len(short) - 5} more" if len(short) > 5 else "")
        raise DemandFrameError([FrameProblem(
            "too_short", f"{len(short)} series too short for a holdout of {holdout} with {min_history} periods "
            f"of history before it (periods held): {listed}",
            {"count": len(short), "holdout": holdout, "min_history": min_history, "listed": short[:5],
             "more": max(len(short) - 5, 0)})])
    n = len(panel.series)
    histories = [s.y[:-holdout] for s in panel.series]
    inherited = [histories[h] + sum(histories[o] for o in olds) for h, _switch, olds in family.groups]
    models, _found = moderate_dispersion(
        [estimate_demand(y, s.months[:-holdout], rules) for y, s in
         zip(histories + inherited, [*panel.series, *(panel.series[h] for h, _s, _o in family.groups)], strict=True)],
        rules)
    last_months = [int(s.months[-holdout - 1]) for s in panel.series]
    if rules.project_growth and rules.pool_shape and panel.frequency is Frequency.MONTH:
        # one policy for the whole replay: each mean grown to the middle of it, season and growth read
        # against the whole set's
        shape = learn_shape(histories, last_months, rules)
        models = shape_models(models, histories + inherited,
                              last_months + [last_months[h] for h, _s, _o in family.groups], shape,
                              ahead=holdout / 2, rules=rules)
    elif rules.project_growth:  # one policy for the whole replay: the mean grown to the middle of it
        per_year = rules.periods_per_year(panel.frequency)
        growth = panel_growth(histories, per_year, rules)
        models = project_growth(models, growth, per_year, ahead=holdout / 2)
    models, family_models = list(models[:n]), list(models[n:])
    estimated = 0
    if first_demand and isinstance(policy, ServiceLevelPolicy):
        nodes, parts = zip(*(s.unique_id.split(separator, 1) for s in panel.series), strict=True)
        width = max(len(h) for h in histories)  # a series that started later had no demand before
        padded = [np.concatenate([np.zeros(width - len(h)), np.asarray(h, dtype=np.float64)]) for h in histories]
        # a part being replaced is run down and a successor is stocked for its family: neither is a pair
        # that never sold
        linked = {int(i) for i in np.flatnonzero(family.successor >= 0)} | {h for h, _s, _o in family.groups}
        for i, found in enumerate(first_demands(padded, nodes, parts)):
            if found is not None and i not in linked:
                models[i] = first_demand_model(found, len(histories[i]), rules.periods_per_year(panel.frequency))
                estimated += 1
    classes = _classes(panel, holdout, policy)
    price = _pooled_price(panel, models, holdout, lead_time, policy, rules, classes, unit_costs)
    levels, changes = _levels(panel, models, classes, holdout, lead_time, policy, rules, price)
    if family.groups:
        _family_levels(panel, family, inherited, family_models, levels, changes, holdout, lead_time, policy,
                       rules, price, classes)
    demand = np.stack([s.y[-holdout:] for s in panel.series])
    # with a review every few periods (``rules.review_periods``) orders go out only at the reviews
    arrays = replay(demand, levels, lead_time, warmup=warmup_demand(panel, holdout, lead_time + rules.review_periods - 1),
                    successors=family.successor, linked_from=family.switch, credit_cap=family.cap,
                    review=rules.review_periods)
    if unit_costs is not None and family.added:  # a successor added for the replay costs what it replaces
        first: dict[int, int] = {}
        for i, h in enumerate(family.successor):
            if h >= 0:
                first.setdefault(int(h), i)
        unit_costs = {**{panel.series[h].unique_id: unit_costs.get(panel.series[i].unique_id, 0.0)
                         for h, i in first.items() if h >= n - family.added}, **unit_costs}
    result = _result(panel, models, classes, changes, levels, arrays, policy, holdout, lead_time, rules,
                     unit_costs, family)
    return replace(result, pairs_added=pairs_added, first_demand_pairs=estimated, review_periods=rules.review_periods)


def _pair_id(unique_id: str, separator: str) -> bool:
    return separator in unique_id and all(unique_id.split(separator, 1))


def _check_pair_ids(ids: Sequence[str], separator: str) -> None:
    """Raise ``pair_ids`` naming the ids that are not ``NODE<separator>PART`` (the first five)."""
    bad = [i for i in ids if not _pair_id(i, separator)]
    if bad:
        raise DemandFrameError([FrameProblem(
            "pair_ids", f"{len(bad)} unique_id(s) are not NODE{separator}PART: {', '.join(bad[:5])}"
            + (f" and {len(bad) - 5} more" if len(bad) > 5 else ""),
            {"count": len(bad), "listed": bad[:5], "more": max(len(bad) - 5, 0), "separator": separator})])


def complete_pairs(panel: DemandPanel, separator: str = "|") -> DemandPanel:
    """``panel`` with every node × part pair of its unique_ids (``NODE<separator>PART``): a pair missing
    from it (a part never sold at that node) gets a series of zeros on the panel's calendar. The series
    must end on the same period (one network's file)."""
    _check_pair_ids([s.unique_id for s in panel.series], separator)
    ends = {pd.Timestamp(s.ds[-1]) for s in panel.series}
    if len(ends) > 1:
        raise DemandFrameError([FrameProblem(
            "pair_periods", "the series end on different periods "
            f"({min(ends).date()} to {max(ends).date()}): the first-demand estimate reads one network's calendar",
            {"first": str(min(ends).date()), "last": str(max(ends).date())})])
    if not panel.series:
        return panel
    longest = max(panel.series, key=len)
    have = {s.unique_id for s in panel.series}
    nodes = sorted({s.unique_id.split(separator, 1)[0] for s in panel.series})
    parts = sorted({s.unique_id.split(separator, 1)[1] for s in panel.series})
    added = [Series(f"{node}{separator}{part}", longest.ds, longest.months, np.zeros(len(longest), dtype=np.int64))
             for node in nodes for part in parts if f"{node}{separator}{part}" not in have]
    return DemandPanel((*panel.series, *added), panel.frequency)


@dataclass
class _Family:
    """The supersessions in force in a replay. Per row: its successor's row (-1: none) and the review from
    which the two are managed as one (``switch``: a lead time before the first held-out period the link
    holds, so the successor's first order is on the shelf in time). Per successor and switch, the rows
    it replaces by then (``groups``: (successor row, switch, replaced rows), in order of switch)."""

    successor: np.ndarray[Any, np.dtype[np.int64]]
    switch: np.ndarray[Any, np.dtype[np.int64]]
    groups: list[tuple[int, int, list[int]]] = field(default_factory=list)
    links: int = 0
    added: int = 0
    shared: list[int] = field(default_factory=list)  # rows replaced beside others by the same successor
    cap: np.ndarray[Any, np.dtype[np.int64]] | None = None  # ``replay``'s credit_cap, set by ``_family_levels``


def _supersessions(panel: DemandPanel, links: Sequence[Link], holdout: int, lead_time: int
                   ) -> tuple[DemandPanel, _Family]:
    """The links between series of ``panel`` that hold by the last held-out period (``old``/``new`` are
    unique_ids; ``effective`` a date, or None: before the holdout). Chains are followed to the last
    successor in force, through parts with no series of their own; a chain holds from its latest link's
    date. A replaced series not in the panel is left out (nothing to run down); a successor not in it gets
    a series of zeros (it is stocked for the series it replaces). Linked series must end on the same
    period; the shorter gets zeros before its first."""
    index = {s.unique_id: i for i, s in enumerate(panel.series)}
    last = max((pd.Timestamp(s.ds[-1]) for s in panel.series), default=None)
    stamps_of = {i: [pd.Timestamp(t) for t in s.ds[-holdout:]] for i, s in enumerate(panel.series)}
    in_force = [link for link in links if link.effective is None or last is None
                or pd.Timestamp(link.effective) <= last]
    heads = successor_heads(in_force)
    series = list(panel.series)
    found: list[tuple[int, str, int]] = []
    for old, (head, path) in heads.items():
        if old not in index:
            continue
        i = index[old]
        dates = [pd.Timestamp(link.effective) for link in path if link.effective is not None]
        since = sum(t < max(dates) for t in stamps_of[i]) if dates else 0
        found.append((i, head, max(since - lead_time, 0)))
    for i, head, _switch in found:
        if head not in index:
            template = series[i]
            index[head] = len(series)
            series.append(Series(head, template.ds, template.months, np.zeros(len(template), dtype=np.int64)))
        else:
            _align(series, i, index[head])
    family = _Family(np.full(len(series), -1, dtype=np.int64), np.zeros(len(series), dtype=np.int64),
                     added=len(series) - len(panel.series), links=len(found))
    by_head: dict[int, list[tuple[int, int]]] = {}
    for i, head, switch in found:
        family.successor[i], family.switch[i] = index[head], switch
        by_head.setdefault(index[head], []).append((switch, i))
    for h, olds in sorted(by_head.items()):
        for switch in sorted({w for w, _i in olds}):
            family.groups.append((h, switch, sorted(i for w, i in olds if w <= switch)))
        if len(olds) > 1:  # one's stock cannot serve another's demand: each is credited with its own level
            family.shared.extend(i for _w, i in olds)
    return DemandPanel(tuple(series), panel.frequency), family


def _align(series: list[Series], a: int, b: int) -> None:
    """Give linked series ``a`` and ``b`` the same periods: a shorter one that ends on the same period as
    the other (a successor that only started selling, say) gets zeros before its first period."""
    x, y = series[a], series[b]
    if x.ds == y.ds:
        return
    short, long_ = (a, b) if len(x) < len(y) else (b, a)
    s, l_ = series[short], series[long_]
    if len(s) == len(l_) or tuple(l_.ds[len(l_) - len(s):]) != tuple(s.ds):
        raise DemandFrameError([FrameProblem(
            "supersession_periods", f"{x.unique_id} and its successor {y.unique_id} do not end on the same period: "
            f"a supersession links series of one calendar", {"old": x.unique_id, "new": y.unique_id})])
    pad = np.zeros(len(l_) - len(s), dtype=np.int64)
    series[short] = Series(s.unique_id, l_.ds, l_.months, np.concatenate([pad, np.asarray(s.y, dtype=np.int64)]))


def _family_levels(panel: DemandPanel, family: _Family, inherited: list[Any], models: list[DemandModel],
                   levels: np.ndarray[Any, np.dtype[np.int64]], changes: list[list[tuple[int, StockLevel]]],
                   holdout: int, lead_time: int, policy: Policy, rules: StockRules, price: Pricing | None,
                   all_classes: list[AbcClass | None]) -> None:
    """From each switch on: the replaced series' level 0 (run down) and the successor's level set on the
    history of its family by then (its own plus the series it replaces by then). Classes (ABC) are read on
    the whole panel with each successor's history its whole family's (``all_classes`` takes them). Where one
    successor replaces several series, each one's credit in its position is its own last level
    (``family.cap``, ``shared_credit``). Changes ``levels``, ``changes``, ``all_classes`` and ``family.cap``
    in place."""
    sub = DemandPanel(tuple(
        Series(panel.series[h].unique_id, panel.series[h].ds, panel.series[h].months,
               np.concatenate([np.asarray(y, dtype=np.int64), panel.series[h].y[-holdout:]]))
        for (h, _switch, _olds), y in zip(family.groups, inherited, strict=True)), panel.frequency)
    classes: list[AbcClass | None] = [None] * len(family.groups)
    if isinstance(policy, ClassPolicy):
        whole = list(panel.series)
        for k, (h, _switch, _olds) in enumerate(family.groups):
            whole[h] = sub.series[k]  # the last group of a successor has its whole family
        for o in np.flatnonzero(family.successor >= 0):
            whole[o] = Series(whole[o].unique_id, whole[o].ds, whole[o].months, np.zeros(len(whole[o]), dtype=np.int64))
        by_row = _classes(DemandPanel(tuple(whole), panel.frequency), holdout, policy)
        classes = [by_row[h] for h, _switch, _olds in family.groups]
        for h, _switch, _olds in family.groups:
            all_classes[h] = by_row[h]  # reported with the class its levels were set with
    sub_levels, sub_changes = _levels(sub, models, classes, holdout, lead_time, policy, rules, price)
    for k, (h, switch, _olds) in enumerate(family.groups):
        levels[h, switch:] = sub_levels[k, switch:]
        before = [c for c in changes[h] if c[0] < switch]
        at = [c for c in sub_changes[k] if c[0] <= switch][-1:]
        changes[h] = before + [(switch, level) for _r, level in at] + [c for c in sub_changes[k] if c[0] > switch]
    family.cap = shared_credit(family, levels)
    for o in np.flatnonzero(family.successor >= 0):
        start = int(family.switch[o])
        levels[o, start:] = 0
        ref = changes[o][-1][1]
        run_down = replace(ref, method="run_down", order_up_to=0, expected_fill_rate=1.0, cycle_service_level=1.0,
                           expected_on_hand=0.0)
        changes[o] = [c for c in changes[o] if c[0] < start] + [(start, run_down)]


def shared_credit(family: _Family, levels: np.ndarray[Any, np.dtype[np.int64]]
                  ) -> np.ndarray[Any, np.dtype[np.int64]] | None:
    """``replay``'s credit_cap: each row replaced beside others by the same successor is credited with at
    most its own level before it was run down (``levels`` before the run-down is written); None without
    such rows."""
    if not family.shared:
        return None
    cap = np.full(len(family.successor), np.iinfo(np.int64).max // 4, dtype=np.int64)
    for o in family.shared:
        cap[o] = levels[o, max(int(family.switch[o]) - 1, 0)]
    return cap


def warmup_demand(panel: DemandPanel, holdout: int, lead_time: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The last ``lead_time + 1`` periods of each series' history (zeros before its first period):
    the replay runs the policy over them first, so the holdout opens with orders already on the way."""
    width = lead_time + 1
    out = np.zeros((len(panel.series), width), dtype=np.int64)
    for i, series in enumerate(panel.series):
        before = np.asarray(series.y[:-holdout], dtype=np.int64)[-width:]
        out[i, width - before.size:] = before
    return out


def _classes(panel: DemandPanel, holdout: int, policy: Policy) -> list[AbcClass | None]:
    if not isinstance(policy, ClassPolicy):
        return [None] * len(panel.series)
    result = classify_abc([AbcItem(s.unique_id, float(s.y[:-holdout].sum())) for s in panel.series], policy.abc)
    by_key = result.by_key()
    return [by_key[s.unique_id].abc_class for s in panel.series]


def future_months(series: Series, holdout: int, frequency: Frequency, extra: int) -> list[int]:
    """Calendar months of the held-out periods and of ``extra`` periods after the series ends."""
    months = [int(m) for m in series.months[len(series) - holdout:]]
    last = pd.Timestamp(series.ds[-1])
    for k in range(1, extra + 1):
        if frequency is Frequency.MONTH:
            months.append((last.month - 1 + k) % 12 + 1)
        else:
            step = 7 if frequency is Frequency.WEEK else 1
            months.append(int((last + pd.Timedelta(days=step * k)).month))
    return months


def _pooled_price(panel: DemandPanel, models: Sequence[DemandModel], holdout: int, lead_time: int, policy: Policy,
                  rules: StockRules, classes: Sequence[AbcClass | None] = (),
                  unit_costs: Mapping[str, float] | None = None) -> Pricing | None:
    """The price per unit of stock at which the whole set (a pooled service level), or each stocked class
    (a pooled class policy), just reaches its target, from the first review of the holdout (None: not
    pooled). A class whose series all have a unit cost above 0 is priced at cost, its fill rate by value."""
    pooled_set = isinstance(policy, ServiceLevelPolicy) and policy.scope == "pooled"
    if not (pooled_set or (isinstance(policy, ClassPolicy) and policy.scope == "pooled")):
        return None
    protect = lead_time + rules.review_periods
    opening = [protection_demand(m, lead_time=lead_time, months=future_months(s, holdout, panel.frequency,
                                                                              protect)[:protect], rules=rules)
               for m, s in zip(models, panel.series, strict=True)]
    if isinstance(policy, ServiceLevelPolicy):
        return {None: price_for_fill_rate(Exchange.of(opening), policy.target_fill_rate)}
    assert isinstance(policy, ClassPolicy)
    # with value weights equal to the cost weights, each series' best level at a price does not depend on
    # its cost (value x served - price x cost x stock): the weights only set the price that reaches the target
    prices: dict[AbcClass | None, float] = {}
    costs = unit_costs or {}
    for cls in sorted({c for c in classes if c is not None}, key=str):
        service = policy.services.for_class(cls)
        if not service.stocked:
            continue
        rows = [i for i, c in enumerate(classes) if c == cls]
        ids = [panel.series[i].unique_id for i in rows]
        weights = [float(costs[u]) for u in ids] if all(float(costs.get(u, 0)) > 0 for u in ids) else None
        prices[cls] = price_for_fill_rate(Exchange.of([opening[i] for i in rows], values=weights, costs=weights),
                                          service.target_availability)
    return prices


def _levels(
    panel: DemandPanel, models: Sequence[DemandModel], classes: Sequence[AbcClass | None], holdout: int,
    lead_time: int, policy: Policy, rules: StockRules, price: Pricing | None = None,
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[list[tuple[int, StockLevel]]]]:
    """Order-up-to levels per series for the initial review and the review closing each period, and
    per series the reviews where the level changes with the level from there on (the first review's first).
    ``price``: the pooled target's price per unit of stock (``_pooled_price``)."""
    protect = lead_time + rules.review_periods
    levels = np.zeros((len(panel.series), holdout + 1), dtype=np.int64)
    changes: list[list[tuple[int, StockLevel]]] = []
    calendars = [future_months(s, holdout, panel.frequency, protect) for s in panel.series]
    for i, (series, model, cls) in enumerate(zip(panel.series, models, classes, strict=True)):
        months = calendars[i]
        cache: dict[tuple[int, ...], StockLevel] = {}
        moved: list[tuple[int, StockLevel]] = []
        for r in range(holdout + 1):  # review r precedes held-out period r
            if r % rules.review_periods:  # no review closes period r - 1: the last review's level holds
                levels[i, r] = levels[i, r - 1]
                continue
            window = tuple(months[r : r + protect]) if model.seasonal_index is not None else ()
            if window not in cache:
                cache[window] = _one_level(series, model, cls, window or None, lead_time, policy, rules,
                                           panel.frequency, price)
            level = cache[window]
            if not moved or moved[-1][1].order_up_to != level.order_up_to:
                moved.append((r, level))
            levels[i, r] = level.order_up_to
        changes.append(moved)
    return levels, changes


def _one_level(
    series: Series, model: DemandModel, cls: AbcClass | None, months: Sequence[int] | None,
    lead_time: int, policy: Policy, rules: StockRules, frequency: Frequency, price: Pricing | None,
) -> StockLevel:
    demand = protection_demand(model, lead_time=lead_time, months=months, rules=rules)
    if isinstance(policy, ServiceLevelPolicy):
        if price is not None and None in price:
            return level_at_price(demand, price[None], policy.target_fill_rate)
        return level_for_fill_rate(demand, policy.target_fill_rate)
    if isinstance(policy, DaysOfCoverPolicy):
        daily = model.flat_mean / rules.period_days(frequency)
        return level_for_days(demand, policy.days, daily_demand=daily, rounding=rules.cover_rounding)
    if isinstance(policy, ClassPolicy):
        assert cls is not None
        service = policy.services.for_class(cls)
        if not service.stocked:
            return level_fixed(demand, 0, method="no_stock", label=cls.value)
        if price is not None and cls in price:
            return level_at_price(demand, price[cls], service.target_availability, label=cls.value)
        return level_for_fill_rate(demand, service.target_availability, label=cls.value)
    s = policy.levels.get(series.unique_id, policy.default)
    if s is None:
        raise ValueError(f"no fixed level given for series {series.unique_id}")
    return level_fixed(demand, int(s))


def _result(
    panel: DemandPanel, models: Sequence[DemandModel], classes: Sequence[AbcClass | None],
    changes: Sequence[Sequence[tuple[int, StockLevel]]], levels: np.ndarray[Any, np.dtype[np.int64]],
    arrays: ReplayArrays, policy: Policy, holdout: int, lead_time: int, rules: StockRules,
    unit_costs: Mapping[str, float] | None, family: _Family | None = None,
) -> SimulationResult:
    details: list[SeriesResult] = []
    # the stock through each period: its opening (after receipts) and closing stock averaged, as it goes out
    through = (arrays.available + arrays.on_hand) / 2.0
    for i, series in enumerate(panel.series):
        stamps = series.ds[-holdout:]
        steps = tuple(
            PeriodStep(str(pd.Timestamp(stamps[t]).date()), int(arrays.received[i, t]),
                       int(arrays.available[i, t]), int(arrays.demand[i, t]), int(arrays.served[i, t]),
                       int(arrays.lost[i, t]), int(arrays.on_hand[i, t]), int(arrays.ordered[i, t]),
                       int(arrays.on_order[i, t]), int(levels[i, t + 1]))
            for t in range(holdout)
        )
        demanded = int(arrays.demand[i].sum())
        served = int(arrays.served[i].sum())
        details.append(SeriesResult(
            unique_id=series.unique_id, demanded=demanded, served=served, lost=demanded - served,
            fill_rate=served / demanded if demanded else None,
            average_inventory=float(arrays.on_hand[i].mean()),
            average_stock=float(through[i].mean()),
            stockout_periods=int((arrays.lost[i] > 0).sum()), orders=int((arrays.ordered[i] > 0).sum()),
            order_up_to=int(levels[i, 0]), level=changes[i][0][1] if changes[i] else None, abc_class=classes[i],
            model=models[i].describe(), steps=steps,
            changes=tuple((r, str(pd.Timestamp(stamps[r]).date()) if r < holdout else None, level)
                          for r, level in changes[i]),
        ))
    demanded = int(arrays.demand.sum())
    served = int(arrays.served.sum())
    n = len(panel.series)
    with_demand = int((arrays.demand > 0).sum())
    per_year = rules.periods_per_year(panel.frequency) / holdout
    avg_inventory = float(arrays.on_hand.mean())
    avg_stock = float(through.mean())
    turnover: float | None
    value: float | None = None
    fill_value: float | None = None
    if unit_costs is not None:
        missing = [s.unique_id for s in panel.series if s.unique_id not in unit_costs]
        if missing:
            raise ValueError(f"no unit cost for {', '.join(missing[:5])}")
        cost = np.array([float(unit_costs[s.unique_id]) for s in panel.series])
        value = float((through.mean(axis=1) * cost).sum())
        demand_value = float((arrays.demand.sum(axis=1) * cost).sum()) * per_year
        demanded_value = float((arrays.demand.sum(axis=1) * cost).sum())
        fill_value = float((arrays.served.sum(axis=1) * cost).sum()) / demanded_value if demanded_value > 0 else 1.0
        turnover = demand_value / value if value > 0 else None
    else:
        stock_units = avg_stock * n
        turnover = demanded * per_year / stock_units if stock_units > 0 else None
    dormant = np.array([not np.asarray(s.y[:-holdout]).any() for s in panel.series], dtype=bool)
    if family is not None:  # a successor with its family's history has history
        for h, _switch, olds in family.groups:
            dormant[h] = dormant[h] and all(dormant[o] for o in olds)
    without = int(arrays.demand[dormant].sum())
    known = demanded - without
    return SimulationResult(
        policy=policy.name, parameters=_parameters(policy), frequency=panel.frequency, holdout=holdout,
        lead_time=lead_time, series=n, demanded=demanded, served=served, lost=demanded - served,
        fill_rate=served / demanded if demanded else 1.0, average_inventory=avg_inventory, average_stock=avg_stock,
        stockout_rate=float((arrays.lost > 0).sum()) / (n * holdout),
        stockout_rate_demand_periods=float((arrays.lost > 0).sum()) / with_demand if with_demand else 0.0,
        turnover=turnover, average_inventory_value=value, details=tuple(details), fill_rate_value=fill_value,
        demanded_without_history=without,
        fill_rate_with_history=int(arrays.served[~dormant].sum()) / known if known else None,
        supersessions=family.links if family is not None else 0,
        successors_added=family.added if family is not None else 0,
    )


def _parameters(policy: Policy) -> dict[str, Any]:
    if isinstance(policy, ServiceLevelPolicy):
        return {"target_fill_rate": policy.target_fill_rate, "scope": policy.scope}
    if isinstance(policy, DaysOfCoverPolicy):
        return {"days": policy.days}
    if isinstance(policy, ClassPolicy):
        return {c.value: {"target": s.target_availability, "stocked": s.stocked}
                for c, s in policy.services.classes.items()} | {"scope": policy.scope}
    return {"levels": len(policy.levels), "default": policy.default}
