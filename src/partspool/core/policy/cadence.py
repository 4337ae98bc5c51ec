"""Stock levels for a review every few days, from demand counted by the month.

The demand history is monthly, but a service center orders about once a week and its parts arrive
within days (the source: 3 to 7). A level protects the demand of one review period plus the lead
time, so a monthly review with a month's lead time asks the shelf to cover two months, and a
days-of-cover rule (15 or 30 days) then looks far worse than it does where orders go out weekly.

``split_model`` turns a model of a month into a model of a day, so that the levels can be set with
periods of one day: ``lead_days`` of lead time and ``review_days`` between reviews. The demand is
taken to arrive as a process with independent increments over the month (a Poisson or negative
binomial demand splits into days of the same kind, with the same variance-to-mean ratio):

* mean per day = mean per month / days in a month, and the same for the plain average;
* dispersion (variance / mean) unchanged: a negative binomial month is the sum of its days'
  negative binomials with the same odds;
* the uncertainty of the mean unchanged: it was read from the same months (``DemandModel.split``),
  and it moves every day of a month together;
* the season by each day's calendar month (``day_months``), the growth per day at the same annual
  rate;
* an ``empirical`` model (its history's own monthly counts, which do not split into days) becomes
  the Poisson or negative binomial of its mean and dispersion.

The history itself stays in months: the cap on the demand distributions (``StockRules.history_cap``)
reads the most it asked for over the months the protection interval spans.

With a review every ``review_days`` and orders arriving before the next review (``lead_days`` shorter
than ``review_days``), the expected figures are exact under lost sales (``review_cycle``), for the
service-level levels and the days-of-cover rule alike. A lead time as long as the review or longer
keeps the backorder formulas (``levels``), which bound the fill rate from below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from partspool.core.policy.demand import DemandModel, Frequency, StockRules

MAX_REVIEW_DAYS = 31
MAX_LEAD_DAYS = 120


@dataclass(frozen=True)
class Cadence:
    """A review every ``review_days`` days, orders arriving ``lead_days`` days after they are placed."""

    review_days: int = 7
    lead_days: int = 5

    def __post_init__(self) -> None:
        for name, value, low, high in (("review_days", self.review_days, 1, MAX_REVIEW_DAYS),
                                       ("lead_days", self.lead_days, 0, MAX_LEAD_DAYS)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")

    def rules(self, base: StockRules | None = None) -> StockRules:
        """``base`` (default settings) with a review every ``review_days`` periods of a day."""
        return dataclasses.replace(base or StockRules(), review_periods=self.review_days)

    @property
    def periods(self) -> int:
        """Days a level protects: the lead time plus one review period."""
        return self.lead_days + self.review_days


def split_model(model: DemandModel, parts: float, ahead: float = 0.0) -> DemandModel:
    """``model`` (demand per period of its history) as a model of ``parts``-th of that period.

    Args:
        model: a model of the history's periods (``split`` 1).
        parts: how many of the new periods make one of the history's (30.4 days in a month).
        ahead: new periods between the start of the period after the history and the first one the
            levels protect (a review on the 20th of the month: 19 days), so growth runs to that day.
    """
    if model.split != 1.0:
        raise ValueError("this model is split already")
    if not parts >= 1:
        raise ValueError(f"a period splits into 1 or more parts, got {parts}")
    family = model.family
    if family == "empirical":
        family = "negative_binomial" if model.dispersion > 1.0 else "poisson"
    return dataclasses.replace(
        model, mean=model.mean / parts, variance=model.variance / parts, family=family,
        average=None if model.average is None else model.average / parts,
        growth_lag=(model.growth_lag + 0.5) * parts - 0.5 + ahead if model.growth != 1.0 else model.growth_lag,
        periods_per_year=model.periods_per_year * parts, split=float(parts))


def split_models(models: Sequence[DemandModel], frequency: Frequency,
                 rules: StockRules | None = None, ahead: float = 0.0) -> list[DemandModel]:
    """Models of the periods of ``frequency`` (months or weeks) as models of days (``ahead``: days from the
    start of the period after the history to the review, see ``split_model``)."""
    parts = (rules or StockRules()).period_days(frequency)
    return [split_model(m, parts, ahead) for m in models]


def day_months(first: date, count: int) -> list[int]:
    """The calendar month (1-12) of each of ``count`` days from ``first`` on."""
    return [(first + timedelta(days=k)).month for k in range(count)]
