"""Stock levels: by service level (expected fill rate), by days of cover, or from a given quantile.

Every level here is an **order-up-to level S** under periodic review: at each review the order
brings the inventory position (on hand + on order) back up to S, and an order arrives
``lead_time`` periods after it is placed. S has to cover the demand of the protection interval,
the lead time plus the review period.

Expected figures for a level S, with D_k the demand over the first k periods after a review, L the
lead time and R the review period:

* shortage per cycle  ``E[(D_{L+R} - S)+] - E[(D_L - S)+]``
* expected fill rate  ``1 - shortage / E[D_R]`` (units served from stock / units demanded)
* cycle service level ``P(D_{L+R} <= S)`` (the chance a cycle ends without a shortage)
* average on hand     ``mean over j=1..R of E[(S - D_{L+j})+]`` (stock at the end of each period);
  ``StockLevel.average_stock`` adds half of what a period serves, the stock through the period

These are the exact figures when unmet demand waits (backorders). PartsPool's centers lose unmet
demand instead (the customer is served another way), which leaves more on the shelf for the
following periods: with lost sales the fill rate is at least this and the stock slightly higher.
Where the lost-sales Markov chain is small enough (lead time 0, 1 or 2 periods, review every
period, see ``lost_sales``; or a review every R periods with the order arriving before the next
review, L < R, see ``review_cycle``) the figures are computed exactly under lost sales instead, and
the level is the smallest reaching the target there; elsewhere the backorder figures are used, a
safe bound on the fill rate.

The source's rule sets ``S = average daily demand x D days`` (15 days, raised to 30), regardless
of lead time and variability; it is computed here so the two can be compared side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from partspool.core.policy.demand import FloatArray, ProtectionDemand
from partspool.core.policy.lost_sales import chain_size, lost_sales_figures
from partspool.core.policy.review_cycle import cycle_figures, cycle_size


@dataclass(frozen=True)
class LevelFigures:
    """What a level S is expected to give against a protection demand."""

    order_up_to: int
    fill_rate: float
    cycle_service_level: float
    average_on_hand: float
    basis: str = "backorder_bound"  # or "lost_sales" (exact, see ``lost_sales``)


@dataclass(frozen=True)
class StockLevel:
    """An order-up-to level with the factors that set it.

    ``method``: ``fill_rate`` (smallest S whose expected fill rate reaches ``target``),
    ``pooled_fill_rate`` (the part's share of a target for a whole set, see ``allocation``),
    ``days_of_cover`` (``days`` of average demand), ``quantile`` (a lead-time demand quantile
    given by the caller), ``fixed``, ``no_stock`` (a class held without stock) or ``run_down`` (a
    part replaced by another, see ``supersession``).
    ``safety_stock`` = S minus the mean demand over the protection interval. ``label`` carries the
    ABC class or other context for the explanation.
    """

    method: str
    order_up_to: int
    lead_time: int
    review: int
    protection_mean: float
    protection_sd: float
    review_mean: float
    family: str
    expected_fill_rate: float
    cycle_service_level: float
    expected_on_hand: float
    target: float | None = None
    days: float | None = None
    label: str | None = None
    basis: str = "backorder_bound"
    cap: int | None = None  # demand above this was counted as this (``StockRules.history_cap``), if it cut

    @property
    def capped(self) -> bool:
        """Whether the history's cap cut the demand distribution behind the level."""
        return self.cap is not None

    @property
    def average_stock(self) -> float:
        """Stock on the shelf on average through the periods, not only at their ends: ``expected_on_hand``
        (the stock left at the end of each period) plus half of what one period serves, taken to go out
        evenly within it. This is the stock the capital is tied up in; at the period's end alone, a level
        used up in each month would look free (a 15 days' cover of a fast mover ends every month at 0), and a
        monthly review would look cheaper than a weekly one that holds less."""
        return self.expected_on_hand + self.expected_fill_rate * self.review_mean / max(self.review, 1) / 2.0

    @property
    def safety_stock(self) -> float:
        """S minus the mean demand over lead time + review (negative when S covers less)."""
        return self.order_up_to - self.protection_mean

    def explain(self) -> str:
        """The level and its factors in one sentence (English; the app translates from the fields)."""
        head = f"{self.label} class, " if self.label else ""
        if self.method == "fill_rate":
            rule = f"{_pct(self.target)} fill-rate target"
        elif self.method == "days_of_cover":
            rule = f"{self.days:g} days of cover"
        elif self.method == "pooled_fill_rate":
            together = "the class's parts" if self.label else "all parts"
            rule = f"{_pct(self.target)} fill rate over {together} together"
        elif self.method == "quantile":
            rule = "the given lead-time demand quantile"
        elif self.method == "no_stock":
            rule = "no stock (ordered on demand)"
        elif self.method == "run_down":
            rule = "replaced by another part: run down, nothing more ordered"
        else:
            rule = "a fixed level"
        return (
            f"{head}{rule}, lead time {self.lead_time} + review {self.review} period(s), "
            f"demand over them mean {_num(self.protection_mean)}, sd {_num(self.protection_sd)} "
            f"({self.family.replace('_', ' ')}) -> order-up-to {self.order_up_to}, "
            f"safety stock {_num(self.safety_stock)}; expected fill rate {self.expected_fill_rate:.1%}"
            f"{' (lost sales)' if self.basis == 'lost_sales' else ' (at least)'}, "
            f"cycle service level {self.cycle_service_level:.1%}, average on hand {_num(self.expected_on_hand)}"
            + (f"; demand above {self.cap} units (the history's most over lead time + review, times the "
               f"cap factor) counted as {self.cap}" if self.capped else "")
        )


def _pct(value: float | None) -> str:
    """A target as typed: 95%, 95.5%, 99.9% (never rounded up to 100%)."""
    if value is None:
        return "n/a"
    for digits in range(4, 12):  # as many significant digits as it takes not to round up to 100%
        shown = f"{100 * value:.{digits}g}"
        if value >= 1 or float(shown) < 100:
            return f"{shown}%"
    return f"{100 * value!r}%"


def _num(value: float) -> str:
    """A figure with the digits that matter: 12, 3.4, 0.06."""
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"


def _loss(pmf: FloatArray, levels: npt.NDArray[np.int64]) -> FloatArray:
    """``E[(X - s)+]`` at each level ``s`` of ``levels`` (X distributed as ``pmf`` over 0..len-1): the
    mean less the survival summed below ``s`` (one pass over the support, whatever the levels)."""
    mean = float((np.arange(len(pmf)) * pmf).sum())
    survival = np.clip(1.0 - np.cumsum(pmf), 0.0, None)  # P(X > k)
    below = np.concatenate([[0.0], np.cumsum(survival)])  # Σ_{k < s} P(X > k), s = 0 … len
    return np.asarray(np.clip(mean - below[np.minimum(levels, len(survival))], 0.0, None), dtype=float)


def _figures_at(demand: ProtectionDemand, levels: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Expected fill rate, cycle service level and average on hand at each of ``levels``."""
    losses = [_loss(pmf, levels) for pmf in demand.pmfs]
    # the review period's demand as these distributions hold it: where the history's cap cuts them (over a
    # long lead time), E[min(D, cap)] over lead time + review less that over the lead time is below the
    # review's mean, and dividing by the mean would give a fill rate above 0 with no stock at all
    scale = float(_loss(demand.pmfs[-1], np.zeros(1, dtype=np.int64))[0]
                  - _loss(demand.pmfs[0], np.zeros(1, dtype=np.int64))[0])
    if demand.review_mean <= 0 or scale <= 0:
        fill = np.ones(len(levels))
    else:
        fill = np.clip(1.0 - (losses[-1] - losses[0]) / scale, 0.0, 1.0)
    cdf_total = np.cumsum(demand.pmfs[-1])
    csl = np.where(levels < len(cdf_total), cdf_total[np.minimum(levels, len(cdf_total) - 1)], 1.0)
    on_hand = np.zeros(len(levels))
    for j in range(1, len(demand.pmfs)):
        pmf = demand.pmfs[j]
        on_hand += levels - float((np.arange(len(pmf)) * pmf).sum()) + losses[j]
    on_hand /= max(len(demand.pmfs) - 1, 1)
    return fill, np.minimum(csl, 1.0), on_hand


def curves(demand: ProtectionDemand, top: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Expected fill rate, cycle service level and average on hand for every level S = 0..top."""
    return _figures_at(demand, np.arange(top + 1))


def evaluate_level(demand: ProtectionDemand, order_up_to: int) -> LevelFigures:
    """Expected fill rate, cycle service level and average on hand of a given level S.

    Under lost sales exactly where the chain is small enough (``basis`` ``lost_sales``),
    otherwise by the backorder formulas, a lower bound on the fill rate (``backorder_bound``).
    """
    if order_up_to < 0:
        raise ValueError("an order-up-to level is 0 or more")
    # the one level only (a level of ten years' cover of a fast mover is millions of units)
    fill, csl, on_hand = (float(v[0]) for v in _figures_at(demand, np.array([order_up_to])))
    exact = _exact(demand, order_up_to)
    if exact is not None:
        return LevelFigures(order_up_to, exact[0], csl, exact[1], "lost_sales")
    return LevelFigures(order_up_to, fill, csl, on_hand)


def solvable(demand: ProtectionDemand, order_up_to: int) -> bool:
    """Whether the exact lost-sales figures (``_exact``) exist at this level, without solving the chain."""
    if demand.cycle_pmfs is not None:
        return cycle_size(order_up_to) <= demand.max_chain_size
    return (demand.period_pmf is not None and demand.review == 1 and demand.lead_time <= 2
            and chain_size(demand.lead_time, order_up_to) <= demand.max_chain_size)


def _exact(demand: ProtectionDemand, order_up_to: int) -> tuple[float, float] | None:
    if demand.cycle_pmfs is not None:  # a review every R periods, the order arriving before the next one
        return cycle_figures(*demand.cycle_pmfs, order_up_to, demand.max_chain_size)
    if demand.period_pmf is None or demand.review != 1:
        return None
    return lost_sales_figures(demand.period_pmf, demand.lead_time, order_up_to, demand.max_chain_size)


def _level(demand: ProtectionDemand, method: str, s: int, *, target: float | None = None,
           days: float | None = None, label: str | None = None) -> StockLevel:
    figures = evaluate_level(demand, s)
    return StockLevel(
        method=method, order_up_to=s, lead_time=demand.lead_time, review=demand.review,
        protection_mean=demand.mean, protection_sd=demand.sd, review_mean=demand.review_mean,
        family=demand.family, expected_fill_rate=figures.fill_rate,
        cycle_service_level=figures.cycle_service_level, expected_on_hand=figures.average_on_hand,
        target=target, days=days, label=label, basis=figures.basis, cap=demand.cap,
    )


def level_for_fill_rate(demand: ProtectionDemand, target: float, *, label: str | None = None) -> StockLevel:
    """The smallest order-up-to level whose expected fill rate reaches ``target``.

    The backorder formulas give a first level quickly (their fill rate never exceeds the
    lost-sales one); where the lost-sales chain can be solved, the level is then moved to the
    smallest one reaching the target under lost sales.

    Args:
        demand: the demand over the protection interval (from ``protection_demand`` or
            ``protection_from_forecast``).
        target: the fill rate to reach, in (0, 1]; 1 is read as "all but the distribution's tail".
        label: context for the explanation (the ABC class).

    Returns:
        The level with its expected figures and factors.
    """
    check_fraction(target, "target fill rate")
    top = len(demand.pmfs[-1])  # S at the top of the support serves all but the tail
    fill, _, _ = curves(demand, top)
    reached = np.nonzero(fill >= target - 1e-12)[0]
    s = int(reached[0]) if len(reached) else top
    exact = _exact(demand, s)
    if exact is not None:
        if exact[0] >= target - 1e-12:
            while s > 0 and (below := _exact(demand, s - 1)) is not None and below[0] >= target - 1e-12:
                s -= 1
        else:  # the chain's model of the demand can be a little wider than the formulas'
            while s < top and (at := _exact(demand, s)) is not None and at[0] < target - 1e-12:
                s += 1
    return _level(demand, "fill_rate", s, target=target, label=label)


def cover_units(daily_demand: float, days: float, rounding: str = "up") -> int:
    """Units for ``days`` of cover at ``daily_demand``: rounded up (the default) or to nearest."""
    if daily_demand < 0 or days < 0:
        raise ValueError("daily demand and days must be 0 or more")
    raw = daily_demand * days
    if rounding == "up":
        return int(math.ceil(raw - 1e-9))
    return int(math.floor(raw + 0.5))


def level_for_days(
    demand: ProtectionDemand,
    days: float,
    *,
    daily_demand: float,
    rounding: str = "up",
    label: str | None = None,
) -> StockLevel:
    """The days-of-cover level ``S = daily_demand x days``, with its expected figures.

    Args:
        demand: the protection demand, used only to evaluate the level (the rule ignores it).
        days: days of cover (the source: 15, raised to 30).
        daily_demand: average demand per day (demand per period / days per period).
        rounding: ``up`` or ``nearest``.
        label: context for the explanation.
    """
    s = cover_units(daily_demand, days, rounding)
    return _level(demand, "days_of_cover", s, days=days, label=label)


def level_from_quantile(
    demand: ProtectionDemand, lead_time_demand_quantile: float, *, label: str | None = None
) -> StockLevel:
    """The level set at a quantile of the demand over the protection interval given by the caller.

    For a forecaster that gives a prediction interval of the lead-time (+ review) demand: S is the
    quantile rounded up; the fill rate and stock are evaluated on ``demand``.
    """
    if lead_time_demand_quantile < 0 or not math.isfinite(lead_time_demand_quantile):
        raise ValueError("a demand quantile must be finite and 0 or more")
    s = int(math.ceil(lead_time_demand_quantile - 1e-9))
    return _level(demand, "quantile", s, label=label)


def level_fixed(demand: ProtectionDemand, order_up_to: int, *, method: str = "fixed",
                label: str | None = None, target: float | None = None) -> StockLevel:
    """A given level S (the current one, or zero for a class held without stock), evaluated."""
    return _level(demand, method, order_up_to, label=label, target=target)


def check_fraction(value: float, name: str) -> None:
    """Raise unless ``value`` lies in (0, 1]."""
    if not (0 < value <= 1) or not math.isfinite(value):
        raise ValueError(f"{name} must lie in (0, 1], got {value}")
