"""Each part's dispersion moderated towards that of the parts with similar demand (empirical Bayes).

One part's variance estimated from three years of monthly demand is noisy: the sample variance of
lumpy counts swings by a third or more around the truth. A level set from an underestimated
variance loses more fill rate than one set from an overestimated variance gains, so the noise
alone costs fill rate and capital. Parts with similar demand have similar dispersions, and the
many series of a network say much more about that relation than one series does; this module
combines the two the way limma's moderated variances do (Smyth 2004, the ``trend`` variant):

1. ``z = log(variance / mean)`` for each series with demand (the log of its dispersion);
2. a trend of ``z`` against ``log(mean)`` (a quadratic, by weighted least squares) gives the
   dispersion expected for a part with that demand — the *prior*;
3. the sampling variance of each ``z`` is ``2 / df + kurtosis / n`` (``df``: periods − 1, or
   periods − 12 when the demand is seasonal), with the excess kurtosis of a negative binomial of
   the trend's dispersion (lumpy demand makes the sample variance much noisier than a normal
   one); ``z`` is corrected for the log's downward bias by half of it;
4. the spread of the true dispersions around the trend (``tau2``) is what is left of the squared
   residuals after the sampling variance;
5. each dispersion becomes the precision-weighted mean of its own ``z`` and the trend's: a long,
   steady history keeps its own figure, a short or lumpy one leans on its peers.

When the parts differ a lot (``tau2`` large) each keeps mostly its own figure; when they behave
alike the trend carries most of the weight. Fewer than ``StockRules.moderation_min_series`` series
with demand: nothing is moderated (too few to learn a trend from). Empirical and forced-Poisson
models are left as they are.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from partspool.core.policy.demand import DemandModel, StockRules, demand_family

FloatArray = npt.NDArray[np.float64]

_MIN_DISPERSION = 0.1  # a history with (almost) no variance counts as this dispersion in the fit
_MIN_TAU2 = 1e-4
_MAX_BIAS = math.log(2.0)


@dataclass(frozen=True)
class Moderation:
    """What the moderation learnt from a population of series: the trend of log dispersion against
    log mean (``coefficients`` of 1, log m, log² m), the spread of the true dispersions around it
    (``tau2``, log scale), the average sampling variance of one series' log dispersion, the average
    weight of a series' own figure, and how many series took part."""

    coefficients: tuple[float, float, float]
    tau2: float
    sampling_variance: float
    own_weight: float
    series: int


def moderate_dispersion(models: Sequence[DemandModel], rules: StockRules | None = None
                        ) -> tuple[list[DemandModel], Moderation | None]:
    """The models with their dispersions moderated towards the trend learnt from themselves.

    ``fit_moderation`` then ``apply_moderation`` on the same models. Returns the models (unchanged
    when moderation is off or there are too few series) and what was learnt (None when nothing).
    """
    rules = rules or StockRules()
    found = fit_moderation(models, rules)
    return apply_moderation(models, found, rules), found


def fit_moderation(models: Sequence[DemandModel], rules: StockRules | None = None) -> Moderation | None:
    """Learn the trend and the spread around it from a population of series (a region's, say), so
    that any one node's series can be moderated the same way whichever page asks (None when
    moderation is off, the family is forced, or fewer than ``moderation_min_series`` have demand)."""
    rules = rules or StockRules()
    if not rules.moderate_dispersion or rules.family not in ("auto", "negative_binomial"):
        return None
    chosen = [m for m in models if _eligible(m)]
    if len(chosen) < rules.moderation_min_series:
        return None
    mean, n, df, raw = _inputs(chosen)
    design = _design(mean)
    trend = _fit(design, raw, df)
    beta = np.zeros(3)
    z, v = raw, 2.0 / df
    for _ in range(3):  # the sampling variance depends on the trend, the trend's weights on it
        v = _sampling_variance(mean, n, df, trend)
        z = raw + _bias(v)
        beta = _coefficients(design, z, 1.0 / v)
        trend = design @ beta
    tau2 = max(float(np.average((z - trend) ** 2 - v, weights=1.0 / v)), _MIN_TAU2)
    return Moderation(coefficients=(float(beta[0]), float(beta[1]), float(beta[2])), tau2=tau2,
                      sampling_variance=float(v.mean()), own_weight=float(np.mean(tau2 / (tau2 + v))),
                      series=len(chosen))


def apply_moderation(models: Sequence[DemandModel], found: Moderation | None,
                     rules: StockRules | None = None) -> list[DemandModel]:
    """Each model's dispersion moderated with ``found`` (the models as they are when it is None).

    A moderated model keeps, for its explanation, ``own_dispersion`` (its own history's, corrected
    for the log's bias: what it says alone) and ``prior_dispersion`` (the trend's at its mean); the
    dispersion used lies between the two, nearer the more reliable, and its family is chosen again
    from it (up to ``poisson_dispersion_max`` it is Poisson).
    """
    rules = rules or StockRules()
    out = list(models)
    if found is None:
        return out
    idx = [i for i, m in enumerate(models) if _eligible(m)]
    if not idx:
        return out
    chosen = [models[i] for i in idx]
    mean, n, df, raw = _inputs(chosen)
    trend = _design(mean) @ np.asarray(found.coefficients)
    v = _sampling_variance(mean, n, df, trend)
    z = raw + _bias(v)
    posterior = (z / v + trend / found.tau2) / (1.0 / v + 1.0 / found.tau2)
    for k, i in enumerate(idx):
        m = models[i]
        variance = float(m.mean * math.exp(posterior[k]))
        family, dispersion = demand_family(m.mean, variance, m.periods, rules)
        out[i] = dataclasses.replace(m, variance=variance, dispersion=dispersion, family=family,
                                     own_dispersion=float(math.exp(z[k])), prior_dispersion=float(math.exp(trend[k])))
    return out


def _bias(v: FloatArray) -> FloatArray:
    """The log's downward bias, half the sampling variance, at most a factor of 2: the second-order
    correction only holds while the variance is small, and a part selling once in two years would
    otherwise be said to show a dispersion of 10^90 on its own (its weight is next to nothing anyway)."""
    return np.asarray(np.minimum(v / 2.0, _MAX_BIAS), dtype=float)


def _eligible(m: DemandModel) -> bool:
    return m.family in ("poisson", "negative_binomial") and m.mean > 0 and m.periods >= 4


def _inputs(chosen: Sequence[DemandModel]) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Mean, periods, degrees of freedom and raw log dispersion of each series."""
    mean = np.array([m.mean for m in chosen])
    n = np.array([m.periods for m in chosen], dtype=float)
    df = np.maximum(np.array([m.periods - (12 if m.seasonal_index is not None else 1) for m in chosen],
                             dtype=float), 1.0)
    raw = np.log(np.maximum(np.array([m.variance for m in chosen]) / mean, _MIN_DISPERSION))
    return mean, n, df, raw


def _design(mean: FloatArray) -> FloatArray:
    x = np.log(mean)
    return np.column_stack([np.ones_like(x), x, x * x])


def _sampling_variance(mean: FloatArray, n: FloatArray, df: FloatArray, trend: FloatArray) -> FloatArray:
    """Variance of one series' log sample dispersion: ``2 / df`` plus the excess kurtosis over ``n`` of a
    negative binomial with the trend's dispersion (lumpy counts make the sample variance noisier)."""
    variance = mean * np.exp(trend)
    kurtosis = 6.0 * np.maximum(variance - mean, 0.0) / mean**2 + 1.0 / variance
    return np.asarray(2.0 / df + kurtosis / n, dtype=float)


def _coefficients(design: FloatArray, z: FloatArray, weights: FloatArray) -> FloatArray:
    """Weighted least-squares coefficients of ``z`` on ``design``."""
    root = np.sqrt(weights)
    beta, *_ = np.linalg.lstsq(design * root[:, None], z * root, rcond=None)
    return np.asarray(beta, dtype=float)


def _fit(design: FloatArray, z: FloatArray, weights: FloatArray) -> FloatArray:
    """The weighted least-squares fit of ``z`` on ``design``, at the rows of ``design``."""
    return np.asarray(design @ _coefficients(design, z, weights), dtype=float)
