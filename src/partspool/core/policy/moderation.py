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


@dataclass(frozen=True)
class Moderation:
    """What the moderation found: the spread of the true dispersions around the trend (log scale),
    the average sampling variance of one series' log dispersion, the average weight of a series'
    own figure, and how many series took part."""

    tau2: float
    sampling_variance: float
    own_weight: float
    series: int


def moderate_dispersion(models: Sequence[DemandModel], rules: StockRules | None = None
                        ) -> tuple[list[DemandModel], Moderation | None]:
    """The models with their dispersions moderated towards the trend of similar parts.

    Each moderated model keeps its own estimate in ``own_dispersion`` and the trend's in
    ``prior_dispersion``; its family is chosen again from the moderated variance. Returns the models
    (unchanged when moderation is off or there are too few series) and what was found (None when
    nothing was moderated).
    """
    rules = rules or StockRules()
    out = list(models)
    if not rules.moderate_dispersion or rules.family not in ("auto", "negative_binomial"):
        return out, None
    idx = [i for i, m in enumerate(models)
           if m.family in ("poisson", "negative_binomial") and m.mean > 0 and m.periods >= 4]
    if len(idx) < rules.moderation_min_series:
        return out, None
    chosen = [models[i] for i in idx]
    mean = np.array([m.mean for m in chosen])
    n = np.array([m.periods for m in chosen], dtype=float)
    df = np.maximum(np.array([m.periods - (12 if m.seasonal_index is not None else 1) for m in chosen],
                             dtype=float), 1.0)
    x = np.log(mean)
    raw = np.log(np.maximum(np.array([m.variance for m in chosen]) / mean, _MIN_DISPERSION))
    design = np.column_stack([np.ones_like(x), x, x * x])
    trend = _fit(design, raw, df)
    z = raw
    v = 2.0 / df
    for _ in range(3):  # the sampling variance depends on the trend, the trend's weights on it
        variance = mean * np.exp(trend)
        kurtosis = 6.0 * np.maximum(variance - mean, 0.0) / mean**2 + 1.0 / variance
        v = 2.0 / df + kurtosis / n
        z = raw + v / 2.0
        trend = _fit(design, z, 1.0 / v)
    tau2 = max(float(np.average((z - trend) ** 2 - v, weights=1.0 / v)), _MIN_TAU2)
    posterior = (z / v + trend / tau2) / (1.0 / v + 1.0 / tau2)
    for k, i in enumerate(idx):
        m = models[i]
        variance_k = float(m.mean * math.exp(posterior[k]))
        family, dispersion = demand_family(m.mean, variance_k, m.periods, rules)
        out[i] = dataclasses.replace(
            m, variance=variance_k, dispersion=dispersion, family=family,
            own_dispersion=m.dispersion, prior_dispersion=max(float(math.exp(trend[k])), 1.0))
    found = Moderation(tau2=tau2, sampling_variance=float(v.mean()),
                       own_weight=float(np.mean(tau2 / (tau2 + v))), series=len(idx))
    return out, found


def _fit(design: FloatArray, z: FloatArray, weights: FloatArray) -> FloatArray:
    """Weighted least-squares fit of ``z`` on ``design``, evaluated at the rows of ``design``."""
    root = np.sqrt(weights)
    beta, *_ = np.linalg.lstsq(design * root[:, None], z * root, rcond=None)
    return np.asarray(design @ beta, dtype=float)
