"""Demand models and policy comparisons for many node x part series at once, as one by one.

A node's policy page compares the levels of thousands of parts; one by one, each part pays numpy's
and scipy's per-call overhead some hundreds of times. Here:

* ``estimate_demand_many`` estimates all histories of one length (and calendar) together: means,
  variances and the seasonal test as array operations over the series;
* ``compare_policies_many`` builds each distinct demand over the protection interval once (slow
  movers share them: a Poisson series is fixed by its total and length), computes its curves once
  for every level asked of it, and solves the small lost-sales chains of one size together
  (``lost_sales_figures_many``).

The formulas and their order are those of ``estimate_demand`` and ``compare_policies``, so the
results compare equal to theirs (``bench/policy_speed.py`` checks ``==``; the tests hold every level
identical and every figure to 1e-9). Models of the ``empirical`` family go one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from partspool.core.policy.abc_analysis import AbcClass, ServicePolicies
from partspool.core.policy.compare import Comparison, PolicyOption, compare_policies
from partspool.core.policy.demand import (
    DemandModel,
    FloatArray,
    Frequency,
    ProtectionDemand,
    StockRules,
    _protection,
    demand_family,
    demand_start,
    estimate_demand,
    history_cap,
)
from partspool.core.policy.levels import StockLevel, check_fraction, cover_units, curves
from partspool.core.policy.lost_sales import lost_sales_figures_many
from partspool.core.policy.review_cycle import cycle_figures

IntArray = npt.NDArray[np.int64]
Histories = Sequence[Sequence[float]] | FloatArray | IntArray
Months = Sequence[int] | Sequence[Sequence[int]] | IntArray | None
TOLERANCE = 1e-12  # as in ``level_for_fill_rate``


def _per_series_months(months: Months, n: int) -> list[IntArray | None]:
    """Months as one calendar per series (a flat sequence is shared by all)."""
    if months is None:
        return [None] * n
    if isinstance(months, np.ndarray):
        if months.ndim == 1:
            shared = np.asarray(months, dtype=np.int64)
            return [shared] * n
        rows = [np.asarray(m, dtype=np.int64) for m in months]
    elif len(months) and isinstance(months[0], Sequence | np.ndarray):
        rows = [np.asarray(m, dtype=np.int64) for m in months]
    else:
        shared = np.asarray(months, dtype=np.int64)
        return [shared] * n
    if len(rows) != n:
        raise ValueError(f"{n} series but {len(rows)} calendars of months")
    return list(rows)


def estimate_demand_many(histories: Histories, months: Months = None,
                         rules: StockRules | None = None) -> list[DemandModel]:
    """``estimate_demand`` for many series, vectorised over the series of one length and calendar.

    Args:
        histories: one demand history per series (rows of a 2-D array, or sequences), oldest first.
        months: the calendar month (1-12) of each period: one sequence shared by all series, one
            per series, or None (no seasonality).
        rules: the modelling settings.

    Returns:
        One model per series, in their order, equal to ``estimate_demand`` of each.
    """
    rules = rules or StockRules()
    rows = [np.asarray(h, dtype=float) for h in histories] if not isinstance(histories, np.ndarray) \
        else list(np.asarray(histories, dtype=float))
    calendars = _per_series_months(months, len(rows))
    groups: dict[tuple[int, bytes | None], list[int]] = {}
    out: list[DemandModel | None] = [None] * len(rows)
    for i, (y, m) in enumerate(zip(rows, calendars, strict=True)):
        if y.ndim != 1 or len(y) == 0:
            raise ValueError("a demand history needs at least one period")
        if m is not None and len(m) != len(y):
            raise ValueError("history and months differ in length")
        if demand_start(y[-rules.window:] if rules.window else y, rules):  # modelled from its first demand
            out[i] = estimate_demand(y, m, rules)
            continue
        groups.setdefault((len(y), None if m is None else m.tobytes()), []).append(i)
    for members in groups.values():
        block = np.stack([rows[i] for i in members])
        for i, model in zip(members, _estimate_block(block, calendars[members[0]], rules), strict=True):
            out[i] = model
    return [m for m in out if m is not None]


def _estimate_block(y: FloatArray, months: IntArray | None, rules: StockRules) -> list[DemandModel]:
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        raise ValueError("demand must be finite and 0 or more")
    if rules.window is not None:
        y = np.ascontiguousarray(y[:, -rules.window:])
        months = None if months is None else months[-rules.window:]
    count, n = y.shape
    mean = y.mean(axis=1)
    counts = np.rint(y).astype(np.int64).tolist()
    positive = mean > 0
    index: list[tuple[float, ...] | None] = [None] * count
    p_value: list[float | None] = [None] * count
    variance = y.var(axis=1, ddof=1) if n > 1 else mean.copy()
    if np.any(positive):
        _seasonality_block(y, months, mean, positive, rules, index, p_value, variance)
    models = []
    for i in range(count):
        m = float(mean[i])
        if m <= 0:
            models.append(DemandModel(n, 0.0, 0.0, 1.0, "none", None, None, tuple(counts[i]),
                                      rules.parameter_uncertainty))
            continue
        v = float(variance[i])
        family, dispersion = demand_family(m, v, n, rules)
        models.append(DemandModel(n, m, v, dispersion, family, index[i], p_value[i],
                                  tuple(counts[i]), rules.parameter_uncertainty,
                                  season_source=None if index[i] is None else "own"))
    return models


def _seasonality_block(y: FloatArray, months: IntArray | None, mean: FloatArray, positive: npt.NDArray[np.bool_],
                       rules: StockRules, index: list[tuple[float, ...] | None], p_value: list[float | None],
                       variance: FloatArray) -> None:
    """``demand._seasonality`` for the series with demand; fills ``index``, ``p_value``, ``variance``."""
    if not rules.seasonal or months is None or y.shape[1] < 12 * rules.seasonal_min_cycles:
        return
    if np.any((months < 1) | (months > 12)):
        raise ValueError("calendar months must lie in 1-12")
    if len(np.unique(months)) < 12:
        return
    rows = np.flatnonzero(positive)
    z = y[rows]
    mu = mean[rows]
    totals = np.stack([z[:, months == m].sum(axis=1) for m in range(1, 13)], axis=1)
    sizes = np.array([(months == m).sum() for m in range(1, 13)], dtype=float)
    month_means = totals / sizes
    residual = z - month_means[:, months - 1]
    within = (residual**2).sum(axis=1) / max(y.shape[1] - 12, 1)
    dispersion = np.maximum(within / mu, 1.0)
    expected = sizes[None, :] * mu[:, None]
    chi_square = (((totals - expected) ** 2) / expected).sum(axis=1) / dispersion
    p = stats.chi2.sf(chi_square, 11)
    k = rules.seasonal_shrinkage
    raw = (totals + k * mu[:, None]) / ((sizes + k)[None, :] * mu[:, None])
    raw = raw / np.average(raw, weights=np.broadcast_to(sizes, raw.shape), axis=1)[:, None]
    for j, i in enumerate(rows):
        p_value[i] = float(p[j])
        if p[j] < rules.seasonal_p_value:
            index[i] = tuple(raw[j].tolist())
            variance[i] = within[j]


@dataclass
class _Unique:
    """One distinct protection demand, its curves and the lost-sales figures found so far."""

    demand: ProtectionDemand
    top: int  # the top of its support (where the fill-rate search stops)
    needed: int  # the largest level evaluated
    curves: tuple[FloatArray, FloatArray, FloatArray] | None = None
    exact: dict[int, tuple[float, float] | None] = field(default_factory=dict)
    mean: float = 0.0
    sd: float = 0.0
    review_mean: float = 0.0

    @property
    def chain(self) -> bool:
        return (self.demand.period_pmf is not None and self.demand.review == 1) or self.demand.cycle_pmfs is not None


def _spread(value: object, n: int, name: str) -> list[object]:
    """One value per series: a sequence as given (checked for length), anything else repeated."""
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray):
        return [value] * n
    items = list(value)
    if len(items) != n:
        raise ValueError(f"{n} series but {len(items)} values of {name}")
    return items


def _number(value: object) -> float:
    if not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"a number is needed, got {value!r}")
    return float(value)


Plan = tuple["_Unique | None", AbcClass | None, float, float | None, list[int]]


def compare_policies_many(
    models: Sequence[DemandModel],
    *,
    keys: Sequence[str],
    lead_time: int | Sequence[int],
    unit_costs: float | Sequence[float],
    frequency: Frequency,
    abc_classes: Sequence[AbcClass | str | None] | None = None,
    target: float | None | Sequence[float | None] = None,
    services: ServicePolicies | None = None,
    cover_days: Sequence[float] | None = None,
    months: Months = None,
    rules: StockRules | None = None,
) -> list[Comparison]:
    """``compare_policies`` for many node x part series, with the same results, much faster.

    Args:
        models: the demand model of each series (``estimate_demand_many``).
        keys: each series' name in the result.
        lead_time: lead time in periods, one for all or one per series.
        unit_costs: cost of one unit, one for all or one per series.
        frequency: the period length of the models.
        abc_classes: each series' class (None: no class); see ``compare_policies``.
        target: fill-rate target overriding the classes', one for all or one per series.
        services: the class policies (defaults: the source's).
        cover_days: the days-of-cover variants (default: the settings' 15 and 30).
        months: calendar months of the periods after the review: one sequence for all series or
            one per series (seasonal models).
        rules: the settings.

    Returns:
        One comparison per series, in their order, equal to ``compare_policies`` of each.
    """
    rules = rules or StockRules()
    services = services or ServicePolicies()
    n = len(models)
    if len(keys) != n:
        raise ValueError(f"{n} series but {len(keys)} keys")
    leads = [int(_number(v)) for v in _spread(lead_time, n, "lead_time")]
    costs = [_number(v) for v in _spread(unit_costs, n, "unit_costs")]
    targets = [None if v is None else _number(v) for v in _spread(target, n, "target")]
    class_of: dict[object, AbcClass | None] = {None: None}
    classes = [class_of[c] if c in class_of else class_of.setdefault(c, AbcClass(str(c)))
               for c in _spread(abc_classes, n, "abc_classes")]
    calendars = _per_series_months(months, n)
    days = tuple(cover_days) if cover_days is not None else (rules.cover_days, rules.raised_cover_days)
    if any(cost < 0 for cost in costs):
        raise ValueError("unit cost must be 0 or more")
    if any(lead < 0 for lead in leads):
        raise ValueError("lead time must be 0 or more periods")
    period_days = rules.period_days(frequency)

    uniques: dict[tuple[object, ...], _Unique] = {}
    plans: list[Plan] = []
    searches: dict[tuple[int, float], int] = {}  # (unique id, target) -> level found
    for i, model in enumerate(models):
        cls = classes[i]
        if model.family == "empirical":  # its own history's distribution: one by one
            plans.append((None, cls, costs[i], None, []))
            continue
        lead = leads[i]
        months_i = calendars[i]
        means = model.period_means(None if months_i is None else months_i.tolist(), lead + rules.review_periods)
        cap = history_cap(model.history, model.history_window(lead + rules.review_periods), rules.history_cap)
        key = (lead, model.family, model.dispersion, model.mean_uncertainty, cap, *means)
        unique = uniques.get(key)
        if unique is None:
            demand = _protection(means, lead_time=lead, family=model.family, dispersion=model.dispersion,
                                 mean_uncertainty=model.mean_uncertainty, rules=rules, cap=cap)
            top = len(demand.pmfs[-1])
            unique = uniques[key] = _Unique(demand, top, top)
        service = services.for_class(cls) if cls else None
        goal = targets[i]
        if goal is None and service is not None and not service.stocked:
            pass  # no stock: the level is 0
        else:
            if goal is None:
                goal = service.target_availability if service else 0.95
            check_fraction(goal, "target fill rate")
            searches[(id(unique), goal)] = -1
        daily = model.flat_mean / period_days
        levels = [cover_units(daily, d, rules.cover_rounding) for d in days]
        unique.needed = max([unique.needed, *levels])
        plans.append((unique, cls, costs[i], goal, levels))

    by_id = {id(u): u for u in uniques.values()}
    for u in uniques.values():
        u.curves = curves(u.demand, u.needed)
        u.mean, u.sd, u.review_mean = u.demand.mean, u.demand.sd, u.demand.review_mean
    _search_levels(searches, by_id, rules)
    _evaluate_exact(
        [(u, s) for (u, _c, _k, goal, levels) in plans if u is not None
         for s in [*levels, searches[(id(u), goal)] if goal is not None else 0]], rules)
    return _comparisons(models, keys, plans, searches, days, frequency, rules, leads, targets, services,
                        calendars)


def _comparisons(models: Sequence[DemandModel], keys: Sequence[str], plans: list[Plan],
                 searches: dict[tuple[int, float], int], days: tuple[float, ...], frequency: Frequency,
                 rules: StockRules, leads: list[int], targets: list[float | None], services: ServicePolicies,
                 calendars: list[IntArray | None]) -> list[Comparison]:
    """The comparisons, sharing one ``StockLevel`` between series with the same level and label."""
    names = ("service_level", *(f"days_{d:g}" for d in days))
    per_year = rules.periods_per_year(frequency)
    made: dict[tuple[object, ...], StockLevel] = {}
    out: list[Comparison] = []
    for i, (u, cls, cost, goal, levels) in enumerate(plans):
        if u is None:
            months_i = calendars[i]
            out.append(compare_policies(
                models[i], key=keys[i], lead_time=leads[i], unit_cost=cost, frequency=frequency, abc_class=cls,
                target=targets[i], services=services, cover_days=days,
                months=None if months_i is None else months_i.tolist(), rules=rules))
            continue
        label = cls.value if cls else None
        chosen: list[tuple[str, int, float | None, float | None]] = [
            ("fill_rate", searches[(id(u), goal)], goal, None) if goal is not None else ("no_stock", 0, None, None)]
        chosen += [("days_of_cover", s, None, d) for s, d in zip(levels, days, strict=True)]
        annual_value = models[i].year_ahead_mean * per_year * cost  # the year the stock serves
        options = []
        for name, (method, s, level_target, d) in zip(names, chosen, strict=True):
            level_key = (id(u), method, s, level_target, d, label)
            level = made.get(level_key)
            if level is None:
                level = made[level_key] = _stock_level(u, method, s, level_target, d, label)
            options.append(PolicyOption(name, level, level.average_stock, level.average_stock * cost,
                                        level.expected_fill_rate, annual_value))
        out.append(Comparison(keys[i], cls, cost, tuple(options), models[i]))
    return out


def _evaluate_exact(wanted: Sequence[tuple[_Unique, int]], rules: StockRules) -> None:
    """Lost-sales figures for (protection demand, level) pairs not yet known, all in one go."""
    todo: dict[tuple[int, int], tuple[_Unique, int]] = {}
    for u, s in wanted:
        if u.chain and s not in u.exact:
            todo[(id(u), s)] = (u, s)
    pairs = [(u, s) for u, s in todo.values() if u.demand.cycle_pmfs is None]
    requests = [(u.demand.period_pmf, u.demand.lead_time, s) for u, s in pairs]
    figures = lost_sales_figures_many(requests, rules.max_chain_size)  # type: ignore[arg-type]
    for (u, s), value in zip(pairs, figures, strict=True):
        u.exact[s] = value
    for u, s in todo.values():  # a review every R periods: one small chain each (``review_cycle``)
        if u.demand.cycle_pmfs is not None:
            u.exact[s] = cycle_figures(*u.demand.cycle_pmfs, s, u.demand.max_chain_size)


def _search_levels(searches: dict[tuple[int, float], int], by_id: dict[int, _Unique], rules: StockRules) -> None:
    """``level_for_fill_rate`` for every (protection demand, target), in rounds.

    Each search starts at the backorder level and steps down (or up) under lost sales as
    ``level_for_fill_rate`` does; each round solves the chains every open search needs next.
    """
    state: dict[tuple[int, float], tuple[int, str]] = {}
    for (uid, goal) in searches:
        u = by_id[uid]
        assert u.curves is not None
        fill = u.curves[0][: u.top + 1]
        reached = np.nonzero(fill >= goal - TOLERANCE)[0]
        state[(uid, goal)] = (int(reached[0]) if len(reached) else u.top, "start" if u.chain else "done")
    while True:
        wanted: list[tuple[_Unique, int]] = []
        for search, (s, phase) in list(state.items()):
            u = by_id[search[0]]
            threshold = search[1] - TOLERANCE
            while phase != "done":
                probe = s - 1 if phase == "down" else s
                if phase == "down" and s <= 0 or phase == "up" and s >= u.top:
                    phase = "done"
                    break
                if probe not in u.exact:
                    wanted.append((u, probe))
                    break
                figures = u.exact[probe]
                if phase == "start":
                    phase = "done" if figures is None else "down" if figures[0] >= threshold else "up"
                elif phase == "down":
                    if figures is None or figures[0] < threshold:
                        phase = "done"
                    else:
                        s -= 1
                elif figures is None or figures[0] >= threshold:
                    phase = "done"
                else:
                    s += 1
            state[search] = (s, phase)
        if not wanted:
            break
        _evaluate_exact(wanted, rules)
    for search, (s, _phase) in state.items():
        searches[search] = s


def _stock_level(u: _Unique, method: str, s: int, target: float | None, days: float | None,
                 label: str | None) -> StockLevel:
    """``levels._level``: the level's figures, lost-sales exact where the chain was solved."""
    assert u.curves is not None
    fill, csl, on_hand = u.curves
    exact = u.exact.get(s) if u.chain else None
    if exact is not None:
        fill_rate, average, basis = exact[0], exact[1], "lost_sales"
    else:
        fill_rate, average, basis = float(fill[s]), float(on_hand[s]), "backorder_bound"
    demand = u.demand
    return StockLevel(
        method=method, order_up_to=s, lead_time=demand.lead_time, review=demand.review,
        protection_mean=u.mean, protection_sd=u.sd, review_mean=u.review_mean, family=demand.family,
        expected_fill_rate=fill_rate, cycle_service_level=float(csl[s]), expected_on_hand=average,
        target=target, days=days, label=label, basis=basis, cap=demand.cap,
    )
