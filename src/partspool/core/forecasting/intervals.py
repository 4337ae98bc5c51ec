"""Demand distributions around a forecast: per period and summed over a lead time.

Demand in a period is taken as a count with the forecast as its mean and variance
``φ · mean · (1 + κ)``: ``φ`` (the dispersion index, variance / mean ≥ 1) is measured on the series'
own history, so a lumpy series gets a wide distribution and a Poisson-like one a narrow one; ``κ``
adds the uncertainty of the estimated level itself. With ``φ = 1`` the distribution is Poisson,
above it negative binomial with the same mean and variance. Over a lead time of ``L`` periods the
means add up and the level's uncertainty grows with ``L`` (it is shared by all periods):
variance ``φ · Σ mean · (1 + κ · L)``.

Two kinds of quantile are given:

* ``interval`` — the ends of a central interval (80% by default) for the forecast table. Demand is
  whole units, so a whole-unit interval would cover far more than 80% for slow movers (for a mean of
  0.3, [0, 1] holds 96% of outcomes). The ends are therefore the quantiles of the count spread
  evenly over the unit below it (``Y − U``, ``U`` uniform on [0, 1)), i.e. the CDF interpolated
  linearly between whole units: not whole numbers, but an interval whose coverage stays close to
  its nominal level.
* ``integer_quantile`` — the smallest whole quantity whose probability of not being exceeded
  reaches ``p``: what a reorder point or an order-up-to level needs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import stats  # type: ignore[import-untyped]

LEVEL_UNCERTAINTY = 0.05  # κ: variance of the estimated level, relative to one period's variance


def dispersion(y: NDArray[np.float64]) -> float:
    """The history's variance / mean (at least 1: never narrower than Poisson); 1 without demand."""
    if y.size < 2:
        return 1.0
    mean = float(y.mean())
    if mean <= 0:
        return 1.0
    return max(1.0, float(y.var(ddof=1)) / mean)


def _dist(mean: NDArray[np.float64], phi: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                                       NDArray[np.bool_]]:
    """Negative-binomial ``n, p`` for each (mean, φ); ``poisson`` marks where φ ≈ 1."""
    poisson = phi <= 1.0 + 1e-9
    safe_phi = np.where(poisson, 2.0, phi)
    n = np.maximum(mean, 1e-12) / (safe_phi - 1.0)
    p = 1.0 / safe_phi
    return n, p, poisson


def _cdf(k: NDArray[np.float64], mean: NDArray[np.float64], phi: NDArray[np.float64]) -> NDArray[np.float64]:
    n, p, poisson = _dist(mean, phi)
    out: NDArray[np.float64] = np.where(poisson, stats.poisson.cdf(k, mean), stats.nbinom.cdf(k, n, p))
    return out


Level = float | NDArray[np.float64]  # a probability, or one per mean


def integer_quantile(mean: NDArray[np.float64], phi: NDArray[np.float64] | float, p: Level) -> NDArray[np.float64]:
    """Smallest whole quantity ``q`` with ``P(demand ≤ q) ≥ p``, for each mean (0 where the mean is 0)."""
    mean = np.asarray(mean, dtype=np.float64)
    phi_arr = np.broadcast_to(np.asarray(phi, dtype=np.float64), mean.shape)
    n, prob, poisson = _dist(mean, phi_arr)
    q = np.where(poisson, stats.poisson.ppf(p, mean), stats.nbinom.ppf(p, n, prob))
    out: NDArray[np.float64] = np.where(mean > 0, q, 0.0).astype(np.float64)
    return out


def smooth_quantile(mean: NDArray[np.float64], phi: NDArray[np.float64] | float, p: Level) -> NDArray[np.float64]:
    """The ``p`` quantile of ``demand − U`` (the CDF interpolated between whole units), floored at 0."""
    mean = np.asarray(mean, dtype=np.float64)
    phi_arr = np.broadcast_to(np.asarray(phi, dtype=np.float64), mean.shape)
    k = integer_quantile(mean, phi_arr, p)
    below = np.where(k > 0, _cdf(k - 1, mean, phi_arr), 0.0)
    at = _cdf(k, mean, phi_arr) - below
    z = k - 1.0 + (p - below) / np.where(at > 0, at, 1.0)
    out: NDArray[np.float64] = np.where(mean > 0, np.clip(z, 0.0, k), 0.0)
    return out


def alive_mean(mean: NDArray[np.float64], chance: NDArray[np.float64]) -> NDArray[np.float64]:
    """What a series would sell were it surely alive: the mixture's mean / the chance (0 where it is 0)."""
    out: NDArray[np.float64] = np.divide(mean, chance, out=np.zeros_like(mean), where=chance > 0)
    return out


def mixture_quantile(quantile: Callable[[NDArray[np.float64], NDArray[np.float64] | float, Level], NDArray[np.float64]],
                     mean: NDArray[np.float64], phi: NDArray[np.float64] | float, p: float,
                     chance: NDArray[np.float64]) -> NDArray[np.float64]:
    """The ``p`` quantile (by ``integer_quantile`` or ``smooth_quantile``) of demand that is nothing
    with probability ``1 − chance`` (a part that has stopped selling) and otherwise the usual count
    with mean ``mean / chance`` (``mean`` is the mixture's mean).

    The mixture's CDF is ``(1 − chance) + chance · F(k)``, so its quantile is the count's quantile
    at ``(p − (1 − chance)) / chance``, and 0 where that is not above 0 — exactly, for whole units
    and for the interpolated CDF alike.
    """
    mean = np.asarray(mean, dtype=np.float64)
    chance = np.broadcast_to(np.asarray(chance, dtype=np.float64), mean.shape)
    alive = alive_mean(mean, chance)
    level = (p - (1.0 - chance)) / np.where(chance > 0, chance, 1.0)
    found = quantile(alive, phi, np.clip(level, 1e-12, 1.0))
    out: NDArray[np.float64] = np.where((level > 0) & (chance > 0), found, 0.0)
    return out


def interval(mean: NDArray[np.float64], phi: NDArray[np.float64] | float, coverage: float = 0.8,
             level_uncertainty: float = LEVEL_UNCERTAINTY, periods: int = 1,
             chance: NDArray[np.float64] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Ends ``(lo, hi)`` of the central ``coverage`` interval of demand with the given mean(s).

    Args:
        mean: expected demand (per period, or summed over ``periods``).
        phi: the series' dispersion index (broadcast against ``mean``).
        coverage: the central probability, 0.8 for an 80% interval.
        level_uncertainty: κ (see the module docstring).
        periods: how many periods ``mean`` sums (1 for a single period).
        chance: the chance that the series still has demand (``obsolescence``), broadcast against
            ``mean``: demand is then the mixture of ``mixture_quantile``. ``None``: surely alive.

    Returns:
        ``lo`` ≤ ``mean`` ≤ ``hi`` everywhere (``hi`` is raised to the mean where the upper quantile is
        below it).
    """
    spread = np.asarray(phi, dtype=np.float64) * (1.0 + level_uncertainty * periods)
    tail = (1.0 - coverage) / 2.0
    if chance is None:
        lo, hi = smooth_quantile(mean, spread, tail), smooth_quantile(mean, spread, 1.0 - tail)
    else:
        lo = mixture_quantile(smooth_quantile, mean, spread, tail, chance)
        hi = mixture_quantile(smooth_quantile, mean, spread, 1.0 - tail, chance)
    # Very skewed demand (a part selling once a year) can have its upper quantile below its mean:
    # P(0) = 0.91 at a mean of 0.1. The interval then reaches up to the forecast, so that
    # lo ≤ forecast ≤ hi always holds; its coverage can only grow (at a mean below 1 it does not change).
    hi_out: NDArray[np.float64] = np.maximum(hi, np.broadcast_to(mean, hi.shape))
    # and a mixture (a part likely alive, its demand tightly spread) can have its lower quantile above
    # its mean: the interval then reaches down to the forecast
    return np.minimum(np.minimum(lo, hi_out), np.broadcast_to(mean, hi.shape)), hi_out


def lead_time_spread(phi: NDArray[np.float64] | float, lead_time: float,
                     level_uncertainty: float = LEVEL_UNCERTAINTY) -> NDArray[np.float64]:
    """Dispersion index of demand summed over ``lead_time`` periods."""
    out: NDArray[np.float64] = np.asarray(phi, dtype=np.float64) * (1.0 + level_uncertainty * max(lead_time, 1.0))
    return out
