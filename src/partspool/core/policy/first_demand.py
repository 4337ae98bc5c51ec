"""The demand a node can expect for a part it has never sold: read from the network.

A rule that reads each node × part's own history stocks nothing where the part never sold, yet on a
growing parc such pairs keep selling for the first time: on the demo network, 27% of the pairs with
no sale in two years sold in the next one (6% of all demand). Where that first demand falls is not
random: a node that sells much of the network's demand, for a part the network sells often, is far
more likely to see it.

So a pair with no demand in its history is given a Poisson demand of

    mean per period = calibration × node share × the part's network demand per period

where the node's share is its part of the network's demand over the history, the part's demand is
read over the history's recent half, and the calibration is measured on the history itself: cut a
quarter from its end, the units the pairs with no demand before the cut sold after it, against what the
same product read before the cut predicted. It is 0 when no such pair sold, and the product is 0 for a
part the network has not sold lately (nothing is known of a new part, and one no longer sold is not
expected). No held-out period is read.

The estimate is for the levels that read a distribution (a fill-rate target, one per series or
pooled); the source's days-of-cover rule reads the history's average, which is 0 there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from partspool.core.policy.demand import DemandModel

MIN_PERIODS = 12  # history needed to calibrate on its two halves
MIN_PAIRS = 30  # pairs without demand in the first half needed to calibrate


@dataclass(frozen=True)
class FirstDemandFit:
    """The calibration read from a history of ``periods`` periods: ``pairs`` without demand until its
    last quarter sold ``units`` in it where the product of node share and part demand predicted
    ``predicted``; ``calibration`` = units / predicted."""

    calibration: float
    pairs: int
    units: float
    predicted: float
    periods: int


@dataclass(frozen=True)
class FirstDemand:
    """Why a pair that never sold is expected to: ``mean`` per period = ``calibration`` ×
    ``node_share`` × ``part_rate`` (the part's network demand per period)."""

    node_share: float
    part_rate: float
    calibration: float
    mean: float

    def describe(self) -> str:
        """One clause for a demand model's description."""
        return (f"{self.mean:.3f} a period expected from the network: the node's share of its demand "
                f"{self.node_share:.1%} × the part's network demand {self.part_rate:.2f} a period × "
                f"{self.calibration:.2f}, how much the pairs with no demand until the last quarter of the history "
                "sold in it against that product")


def _check(histories: Sequence[Any], nodes: Sequence[str], parts: Sequence[str]) -> np.ndarray[Any, Any]:
    if not len(histories) == len(nodes) == len(parts):
        raise ValueError("one node and one part are needed per history")
    lengths = {len(h) for h in histories}
    if len(lengths) > 1:
        raise ValueError("the histories must cover the same periods")
    matrix = np.asarray([np.asarray(h, dtype=np.float64) for h in histories], dtype=np.float64)
    if matrix.size and (matrix < 0).any():
        raise ValueError("demand must be 0 or more")
    return matrix.reshape(len(histories), -1)


def _expected(matrix: np.ndarray[Any, Any], node_index: np.ndarray[Any, Any], part_index: np.ndarray[Any, Any]
              ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Per row: the node's share of the matrix's demand, the part's network demand per period over the
    matrix's recent half (a part launched partway through is not diluted by the months before it, and one
    the network stopped selling is not expected anywhere) and their product."""
    totals = matrix.sum(axis=1)
    grand = float(totals.sum())
    recent = max(matrix.shape[1] // 2, 1)
    node_totals = np.bincount(node_index, weights=totals)
    part_totals = np.bincount(part_index, weights=matrix[:, -recent:].sum(axis=1))
    share = node_totals[node_index] / grand if grand > 0 else np.zeros(len(totals))
    rate = part_totals[part_index] / recent
    return share, rate, share * rate


def _indices(nodes: Sequence[str], parts: Sequence[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    return (np.unique(np.asarray(nodes, dtype=object), return_inverse=True)[1].ravel(),
            np.unique(np.asarray(parts, dtype=object), return_inverse=True)[1].ravel())


def fit_first_demand(histories: Sequence[Any], nodes: Sequence[str], parts: Sequence[str], *,
                     min_periods: int = MIN_PERIODS, min_pairs: int = MIN_PAIRS) -> FirstDemandFit | None:
    """The calibration of the first-demand estimate from ``histories`` (one per node × part, the same
    periods, oldest first): the history is cut a quarter from its end, and over the pairs with no demand
    before the cut whose node and part both sold there, the units they sold after it are set against the
    estimate's product read before it. The cut is near the end so that the pairs calibrated on went
    almost as long without demand as those the estimate is for (a pair silent for longer sells less).
    None with fewer than ``min_periods`` periods or ``min_pairs`` such pairs."""
    matrix = _check(histories, nodes, parts)
    periods = matrix.shape[1]
    if periods < max(min_periods, 2):
        return None
    node_index, part_index = _indices(nodes, parts)
    ahead = max(periods // 4, 1)
    before, after = matrix[:, :-ahead], matrix[:, -ahead:]
    _share, _rate, expected = _expected(before, node_index, part_index)
    rows = (before.sum(axis=1) == 0) & (expected > 0)
    if int(rows.sum()) < max(min_pairs, 1):
        return None
    predicted = float(expected[rows].sum()) * ahead
    units = float(after[rows].sum())
    return FirstDemandFit(units / predicted, int(rows.sum()), units, predicted, periods)


def first_demands(histories: Sequence[Any], nodes: Sequence[str], parts: Sequence[str],
                  fit: FirstDemandFit | None = None) -> list[FirstDemand | None]:
    """Per history: the first-demand estimate where it has no demand and its part sold in the network's
    recent half (None elsewhere, and everywhere without a calibration). ``fit``: the calibration (None:
    fitted on ``histories``)."""
    matrix = _check(histories, nodes, parts)
    fit = fit if fit is not None else fit_first_demand(histories, nodes, parts)
    out: list[FirstDemand | None] = [None] * matrix.shape[0]
    if fit is None or fit.calibration <= 0:
        return out
    node_index, part_index = _indices(nodes, parts)
    share, rate, expected = _expected(matrix, node_index, part_index)
    for i in np.flatnonzero((matrix.sum(axis=1) == 0) & (expected > 0)):
        out[int(i)] = FirstDemand(float(share[i]), float(rate[i]), fit.calibration,
                                  float(fit.calibration * expected[i]))
    return out


def first_demand_model(estimate: FirstDemand, periods: int, periods_per_year: float = 12.0) -> DemandModel:
    """The Poisson demand model of a pair that never sold in ``periods`` periods (no parameter
    uncertainty: on a mean this small it would be most of the distribution, and the calibration is
    measured on how such pairs did sell)."""
    return DemandModel(periods=periods, mean=estimate.mean, variance=estimate.mean, dispersion=1.0, family="poisson",
                       seasonal_index=None, seasonal_p=None, history=(0,) * periods, parameter_uncertainty=False,
                       periods_per_year=periods_per_year, first_demand=estimate)
