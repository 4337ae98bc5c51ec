"""Next year's demand per part (年度需求规划) from the last 12 months, with scenario switches.

For each part and calendar month m of next year:

    plan[m] = base[m] × growth × (1 + cohort_uplift) × heat[m]     (+ recall units, spread evenly)

* ``base[m]``: the same month last year, smoothed toward the part's monthly mean by
  ``seasonal_weight`` (1: keep last year's month exactly; 0: flat average), so one odd month does
  not repeat itself. With ``summer_shift`` the summer of a summer-seasonal part (a category in
  ``heat_categories``) comes that many months earlier, see ``summer_earlier``; other parts keep
  their profile, since only a summer that depends on the heat can come earlier.
* ``growth``: the vehicle parc's growth (a setting, default from the history: last 12 months over
  the 12 before, clipped); the "growth lower than expected" switch scales the growth above 1.
* ``cohort_uplift``: the share of the parc leaving warranty next year × how much more an
  out-of-warranty car uses a wear part (categories listed in the settings).
* ``heat``: the "more heat waves" switch raises air-conditioning parts in the hot months (moved
  earlier with the summer when ``summer_shift`` is set).
* recall: extra units of the recalled parts over the recall's months.

Every line carries its factors so the plan explains itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    """The planner's switches; the defaults are the base case."""

    parc_growth: float | None = None  # e.g. 0.08 for +8 %; None: from the history
    growth_lower: bool = False  # growth lower than expected
    growth_lower_factor: float = 0.5  # the growth above 1 is scaled by this
    cohort_share: float = 0.0  # share of the parc leaving warranty next year
    cohort_uplift: float = 0.3  # extra use of wear parts by a car out of warranty
    wear_categories: frozenset[str] = frozenset({"brakes", "filters", "wipers", "battery_12v", "tyres",
                                                 "suspension"})
    heat_waves: bool = False
    heat_uplift: float = 0.25  # air-conditioning parts in the hot months
    heat_categories: frozenset[str] = frozenset({"air_conditioning"})
    hot_months: frozenset[int] = frozenset({6, 7, 8})
    summer_shift: int = 0  # months earlier the summer comes (0 to 2)
    recall_parts: frozenset[str] = frozenset()
    recall_units: int = 0  # extra units per recalled part over the year
    seasonal_weight: float = 0.7
    growth_clip: tuple[float, float] = (0.8, 1.3)

    def __post_init__(self) -> None:
        if self.parc_growth is not None and not -0.5 < self.parc_growth < 2:
            raise ValueError("parc growth must lie between -50% and +200%")
        if not 0 <= self.cohort_share <= 1 or self.cohort_uplift < 0 or self.heat_uplift < 0:
            raise ValueError("shares and uplifts must be 0 or more (a share at most 1)")
        if not 0 <= self.summer_shift <= 2:
            raise ValueError("the summer can come 0 to 2 months earlier")
        if self.recall_units < 0:
            raise ValueError("recall units must be 0 or more")
        if not 0 <= self.seasonal_weight <= 1:
            raise ValueError("seasonal weight must lie between 0 and 1")


@dataclass(frozen=True)
class PartHistory:
    """The last 24 months of a part (oldest first; the last 12 are last year), and its category."""

    part: str
    category: str
    months: Sequence[int]  # calendar month of each value
    demand: Sequence[float]

    def __post_init__(self) -> None:
        if len(self.months) != len(self.demand) or len(self.demand) < 12:
            raise ValueError(f"{self.part}: needs at least 12 months of history, month for month")
        if any(d < 0 for d in self.demand):
            raise ValueError(f"{self.part}: demand must be 0 or more")


@dataclass(frozen=True)
class PlanLine:
    part: str
    category: str
    last_year: float
    months: tuple[float, ...]  # next year's January..December
    growth: float
    cohort: float
    heat: bool
    recall: int
    summer_shift: int = 0  # months earlier this part's summer comes (0: not shifted)
    factors: Mapping[str, float] = field(default_factory=dict)
    replaces: tuple[str, ...] = ()  # parts it supersedes, whose demand its history includes
    growth_measured: float | None = None  # the history's own growth where ``growth_clip`` cut it (else None)
    recall_of: tuple[str, ...] = ()  # recalled parts it replaces, whose recall it carries (set by the caller)

    @property
    def total(self) -> float:
        return sum(self.months)

    @property
    def change(self) -> float | None:
        return None if self.last_year == 0 else self.total / self.last_year - 1

    def explain(self) -> str:
        parts = [f"last 12 months {self.last_year:g}", f"growth ×{self.growth:.3f}"]
        if self.growth_measured is not None:
            parts[-1] += f" (the history's ×{self.growth_measured:.3f}, held within the plan's limits)"
        if self.cohort:
            parts.append(f"out-of-warranty cohort +{self.cohort:.1%}")
        if self.summer_shift:
            parts.append(f"summer {self.summer_shift} month{'s' if self.summer_shift > 1 else ''} earlier")
        if self.heat:
            parts.append("heat waves in the hot months")
        if self.recall:
            parts.append(f"recall +{self.recall}" + (f", that of {', '.join(self.recall_of)} included"
                                                     if self.recall_of else ""))
        if self.replaces:
            parts.append(f"with the demand of {', '.join(self.replaces)}, which it replaces")
        return f"{self.part}: " + ", ".join(parts) + f" → {self.total:.0f} next year"


def history_growth(histories: Sequence[PartHistory], clip: tuple[float, float]) -> float:
    """Last 12 months over the 12 before, over all parts with 24 months (1 when there are none), held
    within ``clip``."""
    raw = measured_growth(histories)
    return 1.0 if raw is None else min(max(raw, clip[0]), clip[1])


def measured_growth(histories: Sequence[PartHistory]) -> float | None:
    """Last 12 months over the 12 before, over all parts with 24 months; None when there is nothing before."""
    recent = sum(sum(h.demand[-12:]) for h in histories if len(h.demand) >= 24)
    before = sum(sum(h.demand[-24:-12]) for h in histories if len(h.demand) >= 24)
    return None if before <= 0 else recent / before


SUMMER_SEASON = (4, 10)
"""The months (April to October, inclusive) within which an earlier summer moves the profile."""


def summer_earlier(base: Sequence[float], shift: int) -> list[float]:
    """A January..December profile with its summer ``shift`` months earlier, the year's total kept.

    The April–October season window turns ``shift`` months earlier: each of its months takes the
    profile of the month ``shift`` later, and the last ``shift`` months of the window (the autumn
    shoulder) take its first ones (the spring shoulder). The peak thus arrives and ends earlier, as
    a planner expects of an early summer, without adding or losing a unit: only months inside the
    window are exchanged, so the year's total and the November–March months are unchanged.

    Args:
        base: twelve monthly values, January first.
        shift: months earlier (0 leaves the profile as it is).

    Returns:
        The twelve monthly values with the season window rotated.
    """
    first, last = SUMMER_SEASON
    window = list(base[first - 1:last])
    k = shift % len(window)
    return [*base[:first - 1], *window[k:], *window[:k], *base[last:]]


def annual_plan(histories: Sequence[PartHistory], scenario: Scenario | None = None) -> list[PlanLine]:
    """Next year's monthly demand per part under the scenario.

    ``summer_shift`` applies only to parts whose category is in ``heat_categories`` (see
    ``summer_earlier``); for them the heat waves' hot months move earlier by the same shift, so the
    uplift falls on the new peak. A line's ``summer_shift`` is 0 for a part it was not applied to.

    Args:
        histories: the parts' histories (at least the last 12 months).
        scenario: the switches; the base case when omitted.

    Returns:
        One line per part, in the order of ``histories``.
    """
    s = scenario or Scenario()
    growth = 1 + s.parc_growth if s.parc_growth is not None else history_growth(histories, s.growth_clip)
    raw = measured_growth(histories) if s.parc_growth is None else None
    clipped = raw if raw is not None and abs(raw - growth) > 1e-12 else None  # the limits cut the history's
    if s.growth_lower and growth > 1:
        growth = 1 + (growth - 1) * s.growth_lower_factor
    lines = []
    for h in histories:
        last = list(h.demand[-12:])
        by_month = dict(zip(h.months[-12:], last, strict=True))
        mean = sum(last) / 12
        base = [s.seasonal_weight * by_month.get(m, mean) + (1 - s.seasonal_weight) * mean for m in range(1, 13)]
        shift = s.summer_shift if h.category in s.heat_categories else 0
        if shift:
            base = summer_earlier(base, shift)
        hot_months = {(m - shift - 1) % 12 + 1 for m in s.hot_months}
        cohort = s.cohort_share * s.cohort_uplift if h.category in s.wear_categories else 0.0
        hot = s.heat_waves and h.category in s.heat_categories
        recall = s.recall_units if h.part in s.recall_parts else 0
        months = []
        for m in range(1, 13):
            value = base[m - 1] * growth * (1 + cohort)
            if hot and m in hot_months:
                value *= 1 + s.heat_uplift
            months.append(value + recall / 12)
        lines.append(PlanLine(part=h.part, category=h.category, last_year=sum(last),
                              months=tuple(round(v, 3) for v in months), growth=round(growth, 4),
                              cohort=round(cohort, 4), heat=hot, recall=recall, summer_shift=shift,
                              growth_measured=None if clipped is None else round(clipped, 4),
                              factors={"growth": growth, "cohort": cohort, "heat": s.heat_uplift if hot else 0.0,
                                       "summer_shift": float(shift)}))
    return lines
