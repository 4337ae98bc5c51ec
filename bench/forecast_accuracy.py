"""How good is ``auto``? Figures on a demo-like synthetic set and on a public set of real demand.

    .venv/bin/python bench/forecast_accuracy.py --cdnow /path/to/Lifetimes-0.11.3-py3-none-any.whl

Data sets (the same settings, ``DEFAULT_SETTINGS``, and horizon 3 for all four):

(a) **demo-like**: 3,000 monthly series × 36 months drawn with the rules of ``partspool.demo``:
    Pareto-shaped base rates, negative-binomial demand with shape 1.5 + 2 × mean (lumpy for slow
    movers, near Poisson for fast ones), the demo's seasonal profiles (air-conditioning in summer,
    heating in winter, wipers in the typhoon and rainy seasons, 12 V batteries in the cold), parc
    growth of 2% a month and supersessions (a part replaced mid-history). The true mean of every
    period is known, so an "oracle" row shows the best any method could do.
(b) **CDNOW** (real): weekly CD purchases of the 23,570 customers of the CDNOW online shop who made
    their first purchase in Q1 1997, Jan 1997 – Jun 1998 (78 weeks; Fader & Hardie's data set), as
    shipped inside the PyPI package ``Lifetimes`` 0.11.3 (MIT licence) at
    ``lifetimes/datasets/CDNOW_master.txt``. Series: customers with purchases in at least 5
    different weeks (3,670 series), quantity = CDs bought per week — real intermittent counts. Give
    the path of the downloaded wheel (``pip download lifetimes==0.11.3 --no-deps -d DIR``), of the
    text file, or nothing if ``lifetimes`` is installed. No PyPI package was found that ships the
    car-parts set (Hyndman's ``carparts``) inside it; see ``bench/data/README.md``.

(c) **check set** (synthetic, drawn differently, to guard against tuning to (a)): 3,000 monthly
    series × 48 months, seed 7: log-normal base rates, half plain Poisson and half negative
    binomial with shape 1 (very lumpy); half without trend, a quarter growing and a quarter
    shrinking 1.5% a month; 30% with a sinusoidal season of random phase and amplitude 0.2–0.8.
    The true means are known, so it has an oracle row too.

(d) **weekly demo-like** (synthetic): 3,000 weekly series × 156 weeks, seed 11, drawn with the demo's
    rules at weekly resolution (the monthly means spread over the weeks of each month, growth of 2%
    a month compounded weekly, supersessions). It checks weekly data on demand made like the demo's
    rather than like CDNOW's customers: settings that hold on both weekly sets are not tuned to one.

Two evaluations, both using only the history before the held-out periods:

* **last 3**: the last 3 periods held out (what ``partspool backtest --horizon 3`` does);
* **rolling 12**: 4 origins 3 periods apart covering the last 12 periods (each origin refits on
  everything before it), per-series RMSSE over those 12 periods: a steadier figure.

RMSSE is the per-series M5 RMSSE averaged over series; wRMSSE weights each series by its demand
in the season before the evaluation (M5's weighting, in units rather than money). **wRMSSE is the
headline**: over a few periods the unweighted RMSSE of a slow mover is mostly the noise of one or two
sales, so it barely moves whatever the method (on (a) even the true mean gains only 3% on it over
the baseline, last 3), while the weighted figure follows the parts that carry the volume. Both are
printed, with per metric whether ``auto`` beats the best single method and by how much it beats
the baseline (the target: at least 10%), then how sure each gain is: a 95% interval from
resampling the series (paired; a few series carry much of a weighted figure, so a margin of a point
or two can be the luck of one or two of them). A "zero (reference)" row scores a forecast of nothing at
all, as a yardstick of how much a measure rewards it: on CDNOW, where most customers stop buying,
it beats the baseline by 22.5% on wRMSSE last 3 (and every method on the unweighted last 3), so
a gain there is partly a matter of predicting who stops. What was tried for ``auto`` and the figures behind the
choice: ``bench/data/README.md``. After each set, the line "auto weighed its back-test's origins …"
gives the decay each back-test chose from its training part (``selection.choose_decay``), and the
line "auto shrank each series' growth …" the panel's growth it measured there (``seasonal.panel_growth``).
``--off pool_growth`` (or ``pool_seasons``, ``adjust``, ``obsolescence``, ``choose_decay``) measures ``auto`` without
that step; ``--seed`` draws another demo-like set.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import time
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from partspool.core.forecasting import backtest
from partspool.core.forecasting.metrics import naive_scale
from partspool.core.forecasting.settings import DEFAULT_SETTINGS, ForecastSettings

# the demo's seasonal profiles (calendar month factors, January first), as in partspool.demo
SUMMER = (0.6, 0.6, 0.7, 0.85, 1.15, 1.9, 2.3, 2.1, 1.3, 0.9, 0.7, 0.6)
HEATING = (2.1, 1.8, 1.2, 0.8, 0.6, 0.5, 0.5, 0.5, 0.6, 0.9, 1.5, 2.0)
TYPHOON = (0.8, 0.8, 0.85, 0.9, 1.0, 1.3, 2.2, 2.4, 2.0, 1.1, 0.85, 0.8)
RAINY = (0.9, 0.9, 0.95, 1.0, 1.05, 1.2, 1.3, 1.3, 1.05, 0.95, 0.9, 0.9)
COLD = (1.7, 1.5, 1.1, 0.9, 0.85, 0.85, 0.9, 0.9, 0.9, 1.0, 1.2, 1.5)
FLAT = (1.0,) * 12
PROFILES = np.array([FLAT, SUMMER, HEATING, TYPHOON, RAINY, COLD])
PROFILE_SHARE = (0.6, 0.12, 0.06, 0.08, 0.07, 0.07)
HORIZON = 3
TARGET = 0.10  # auto must beat the baseline by at least this much
ZERO = "zero (reference)"  # a forecast of 0 everywhere, printed as a yardstick, never a candidate


def demo_like(n: int, months: int = 36, seed: int = 0, first_month: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` monthly series drawn like the demo's demand: (counts, true means, seasonal profile index)."""
    counts, mean, kind, _links = demo_like_linked(n, months, seed, first_month, linked=False)
    return counts, mean, kind


def demo_like_linked(n: int, months: int = 36, seed: int = 0, first_month: int = 0, linked: bool = True
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int, int]]]:
    """``demo_like`` with its supersessions as the demo has them: each successor paired with a part being
    superseded (same rate, season and start: the successor takes 60% of the pair's demand from the start,
    the old part keeps 40%), and the links ``(old row, new row, start month)``. With ``linked`` False the
    series are ``demo_like``'s, unpaired, and no links. The random draws are the same either way, so the
    two differ only in the paired successors."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(len(PROFILES), size=n, p=PROFILE_SHARE)
    popularity = rng.pareto(1.3, n) + 0.2
    luck = np.clip(rng.lognormal(0.0, 0.8, n), 0.1, 4.0)
    base = np.clip(0.3 * popularity * luck, 0.02, 60.0)
    t = np.arange(months)
    growth = 1.02 ** (t - months + 1)  # parc growth of 2% a month, today's level = base
    mult = np.ones((n, months))
    superseded = np.flatnonzero(rng.random(n) < 0.08)
    starts = rng.integers(months // 3, max(months - 6, months // 3 + 1), n)
    newer = rng.random(n) < 0.5
    links: list[tuple[int, int, int]] = []
    if linked:
        olds = [int(i) for i in superseded if not newer[i]]
        news = [int(i) for i in superseded if newer[i]]
        for old, new in zip(olds, news, strict=False):
            base[new], kind[new], starts[new] = base[old], kind[old], starts[old]
            links.append((old, new, int(starts[old])))
    for i in superseded:
        if newer[i]:  # the successor: nothing before it exists, then 60% of the old part's demand
            mult[i, : starts[i]], mult[i, starts[i]:] = 0.0, 0.6
        else:  # the old part after its successor arrives
            mult[i, starts[i]:] = 0.4
    mean = base[:, None] * PROFILES[kind][:, (first_month + t) % 12] * growth[None, :] * mult
    shape = 1.5 + 2.0 * mean
    counts = rng.negative_binomial(shape, shape / (shape + mean)).astype(np.float64)
    return counts, mean, kind, links


def check_set(n: int, months: int = 48, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The check set (c): ``n`` monthly series drawn unlike the demo's; (counts, true means)."""
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(-0.5, 1.4, n))
    trend = rng.choice([0.0, 0.015, -0.015], size=n, p=[0.5, 0.25, 0.25])
    amplitude = rng.uniform(0.2, 0.8, n) * (rng.random(n) < 0.3)
    phase = rng.uniform(0, 2 * np.pi, n)
    t = np.arange(months)
    mean = (base[:, None] * np.exp(trend[:, None] * (t - months + 1))
            * (1 + amplitude[:, None] * np.sin(2 * np.pi * t / 12 + phase[:, None])))
    lumpy = rng.random(n) < 0.5
    counts = np.where(lumpy[:, None], rng.negative_binomial(1.0, 1.0 / (1.0 + mean)), rng.poisson(mean))
    return counts.astype(np.float64), mean


def weekly_demo_like(n: int, weeks: int = 156, seed: int = 11) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """The weekly set (d): (counts, true means, dates) with the demo's rules at weekly resolution."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(len(PROFILES), size=n, p=PROFILE_SHARE)
    popularity = rng.pareto(1.3, n) + 0.2
    luck = np.clip(rng.lognormal(0.0, 0.8, n), 0.1, 4.0)
    base = np.clip(0.3 * popularity * luck, 0.02, 60.0) * 12 / 52  # a month's demand spread over its weeks
    dates = pd.date_range("2023-01-02", periods=weeks, freq="7D")
    month = dates.month.to_numpy() - 1
    t = np.arange(weeks)
    growth = 1.02 ** ((t - weeks + 1) * 12 / 52)
    mult = np.ones((n, weeks))
    superseded = np.flatnonzero(rng.random(n) < 0.08)
    starts = rng.integers(weeks // 3, weeks - 26, n)
    newer = rng.random(n) < 0.5
    for i in superseded:
        if newer[i]:
            mult[i, : starts[i]], mult[i, starts[i]:] = 0.0, 0.6
        else:
            mult[i, starts[i]:] = 0.4
    mean = base[:, None] * PROFILES[kind][:, month] * growth[None, :] * mult
    shape = 1.5 + 2.0 * mean
    counts = rng.negative_binomial(shape, shape / (shape + mean)).astype(np.float64)
    return counts, mean, dates


def wide_to_long(values: np.ndarray, dates: pd.DatetimeIndex, prefix: str) -> pd.DataFrame:
    n, t = values.shape
    ids = pd.Categorical.from_codes(np.repeat(np.arange(n), t), categories=[f"{prefix}{i:05d}" for i in range(n)])
    return pd.DataFrame({"unique_id": ids, "ds": np.tile(dates.to_numpy(), n), "y": values.reshape(-1)})


def _cdnow_text(path: str | None) -> bytes:
    if path is None:
        spec = importlib.util.find_spec("lifetimes")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("CDNOW: give --cdnow PATH (the Lifetimes wheel or CDNOW_master.txt), "
                             "or install lifetimes")
        path = str(Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt")
    if path.endswith(".whl") or path.endswith(".zip"):
        with zipfile.ZipFile(path) as wheel:
            return wheel.read("lifetimes/datasets/CDNOW_master.txt")
    return Path(path).read_bytes()


def load_cdnow(path: str | None, min_weeks: int = 5) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Weekly CDs per customer (customers buying in at least ``min_weeks`` weeks), 78 weeks."""
    raw = pd.read_csv(io.BytesIO(_cdnow_text(path)), sep=r"\s+", header=0,
                      names=["customer", "date", "cds", "dollars"], dtype={"customer": str, "date": str})
    day = pd.to_datetime(raw["date"], format="%Y%m%d")
    start = pd.Timestamp("1997-01-01")
    raw["week"] = (day - start).dt.days // 7
    weeks = int(raw["week"].max()) + 1
    table = raw.groupby(["customer", "week"])["cds"].sum().unstack(fill_value=0)
    table = table.reindex(columns=range(weeks), fill_value=0)
    table = table[(table > 0).sum(axis=1) >= min_weeks]
    return table.to_numpy(dtype=np.float64), pd.date_range(start, periods=weeks, freq="7D")


def evaluate(name: str, values: np.ndarray, dates: pd.DatetimeIndex, season: int,
             truth: np.ndarray | None = None, settings: ForecastSettings = DEFAULT_SETTINGS) -> dict[str, dict[str, float]]:
    """Score every method, auto (and the oracle when ``truth`` is given) on last 3 and rolling 12."""
    n, t = values.shape
    frame = wide_to_long(values, dates, "S")
    origins = [t - 12 + HORIZON * k for k in range(4)]  # each holds out 3 periods; the last one ends at t
    started = time.perf_counter()
    errors: dict[str, list[np.ndarray]] = {}
    last: dict[str, dict[str, float]] = {}
    decays: list[str] = []  # the back-test weighting auto chose at each origin
    growths: list[str] = []  # the panel's growth per season auto pooled toward at each origin
    for end in origins:
        cut = end + HORIZON
        part = frame[frame["ds"] < dates[cut]] if cut < t else frame
        result = backtest(part, HORIZON, settings=settings)
        decays.append("setting" if result.decay is None else f"{result.decay.decay:g}")
        growths.append("none" if result.growth is None else
                       f"{result.growth.percent:+.1f}% ±{result.growth.sd:.2f} ({result.growth.profiles} profiles)")
        detail = result.detail
        actual = detail["actual"].to_numpy().reshape(n, HORIZON)
        for alias in result.summary["method"]:
            errors.setdefault(alias, []).append(detail[alias].to_numpy().reshape(n, HORIZON) - actual)
        if truth is not None:
            errors.setdefault("oracle", []).append(truth[:, end:end + HORIZON] - actual)
        errors.setdefault(ZERO, []).append(-actual)  # forecasting nothing at all: how much the measure rewards it
        if cut >= t:
            last = {r["method"]: r for r in result.summary.to_dict(orient="records")}
    seconds = time.perf_counter() - started

    def per_series(err: np.ndarray, before: int) -> np.ndarray:
        scales = np.array([naive_scale(values[i, :before]) for i in range(n)])
        return np.sqrt(np.nanmean(err**2, axis=1) / scales)

    weights = {before: values[:, max(0, before - season):before].sum(axis=1) for before in (t - HORIZON, t - 12)}

    def rmsse(per: np.ndarray, before: int) -> tuple[float, float]:
        ok = np.isfinite(per)
        w = weights[before][ok]
        return float(per[ok].mean()), float((per[ok] * w).sum() / w.sum())

    figures: dict[str, dict[str, float]] = {}
    series: dict[str, dict[str, np.ndarray]] = {}  # per method: each series' RMSSE, for the bootstrap
    for alias, parts in errors.items():
        p3, p12 = per_series(parts[-1], t - HORIZON), per_series(np.concatenate(parts, axis=1), t - 12)
        series[alias] = {"rmsse3": p3, "wrmsse3": p3, "rmsse12": p12, "wrmsse12": p12}
        r3, w3 = rmsse(p3, t - HORIZON)
        r12, w12 = rmsse(p12, t - 12)
        row = last.get(alias, {})
        figures[alias] = {"rmsse3": r3, "wrmsse3": w3, "rmsse12": r12, "wrmsse12": w12,
                          "bias3": float(np.nanmean(parts[-1])), "accuracy3": row.get("accuracy", float("nan")),
                          "coverage3": row.get("coverage", float("nan"))}
    _print(name, n, t, figures, seconds)
    _intervals(figures, series, {"rmsse3": None, "wrmsse3": weights[t - HORIZON], "rmsse12": None,
                                 "wrmsse12": weights[t - 12]})
    print(f"auto weighed its back-test's origins × {' / '.join(decays)} per step back at the 4 origins")
    print(f"auto shrank each series' growth toward the panel's {' / '.join(growths)} a season (and its seasonal "
          f"profiles beside a flat one) at the 4 origins")
    return figures


def _print(name: str, n: int, t: int, figures: dict[str, dict[str, float]], seconds: float) -> None:
    print(f"\n== {name}: {n} series × {t} periods, horizon {HORIZON} ({seconds:.0f} s for 4 back-tests)")
    print(f"{'method':<22} {'RMSSE':>7} {'wRMSSE':>7} | {'RMSSE':>7} {'wRMSSE':>7} | {'bias':>7} {'accuracy':>8} "
          f"{'cover80':>7}")
    print(f"{'':<22} {'last 3':>15} | {'rolling 12':>15} | {'last 3':>24}")
    for alias, f in figures.items():
        print(f"{alias:<22} {f['rmsse3']:>7.4f} {f['wrmsse3']:>7.4f} | {f['rmsse12']:>7.4f} {f['wrmsse12']:>7.4f} | "
              f"{f['bias3']:>+7.3f} {f['accuracy3']:>8.1%} {f['coverage3']:>7.1%}")
    singles = {a: f for a, f in figures.items()
               if a not in ("auto", "oracle", "baseline", ZERO) and np.isfinite(f["rmsse3"])}
    auto, base = figures["auto"], figures["baseline"]
    for key, label in (("wrmsse3", "wRMSSE last 3"), ("wrmsse12", "wRMSSE rolling 12"), ("rmsse3", "RMSSE last 3"),
                       ("rmsse12", "RMSSE rolling 12")):
        best = min(singles, key=lambda a: singles[a][key])
        verdict = "beats" if auto[key] < singles[best][key] else "does NOT beat"
        gain = 1 - auto[key] / base[key]
        target = "met" if gain >= TARGET else f"NOT met, {TARGET - gain:.1%} short"
        oracle = f"; oracle {1 - figures['oracle'][key] / base[key]:+.1%}" if "oracle" in figures else ""
        oracle += f"; zero {1 - figures[ZERO][key] / base[key]:+.1%}"
        print(f"{label:<18}: auto {auto[key]:.4f} {verdict} the best single model ({best} {singles[best][key]:.4f}, "
              f"{1 - auto[key] / singles[best][key]:+.1%}); vs baseline {base[key]:.4f}: {gain:+.1%} "
              f"(target +{TARGET:.0%}: {target}){oracle}")


BOOTSTRAP = 2000  # resamples of the series for the intervals of auto's gains


def _intervals(figures: dict[str, dict[str, float]], series: dict[str, dict[str, np.ndarray]],
               weights: dict[str, np.ndarray | None]) -> None:
    """How sure each gain of ``auto`` is: 95% intervals from resampling the series (with replacement;
    the same draw for ``auto`` and the method it is compared with, so the comparison is paired). A few
    series carry much of a weighted figure, so a margin of a point or two can be the luck of one or
    two of them; an interval that holds 0 says the two are not told apart on this set."""
    singles = [a for a, f in figures.items()
               if a not in ("auto", "oracle", "baseline", ZERO) and np.isfinite(f["rmsse3"])]
    rng = np.random.default_rng(0)
    for key, label in (("wrmsse3", "wRMSSE last 3"), ("wrmsse12", "wRMSSE rolling 12"), ("rmsse3", "RMSSE last 3"),
                       ("rmsse12", "RMSSE rolling 12")):
        best = min(singles, key=lambda a: figures[a][key])
        parts = []
        for other, name in ((best, "the best single model"), ("baseline", "the baseline")):
            a, b = series["auto"][key], series[other][key]
            ok = np.flatnonzero(np.isfinite(a) & np.isfinite(b))
            w = np.ones(ok.size) if weights[key] is None else weights[key][ok]
            draws = rng.integers(0, ok.size, (BOOTSTRAP, ok.size))
            ratio = (a[ok][draws] * w[draws]).sum(axis=1) / (b[ok][draws] * w[draws]).sum(axis=1)
            low, high = np.quantile(1.0 - ratio, [0.025, 0.975])
            parts.append(f"vs {name} [{low:+.1%}, {high:+.1%}]")
        print(f"{label:<18}: 95% intervals of auto's gain, series resampled: {'; '.join(parts)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=3000, help="demo-like series")
    parser.add_argument("--cdnow", help="Lifetimes wheel or CDNOW_master.txt (default: the installed package)")
    parser.add_argument("--skip-cdnow", action="store_true")
    parser.add_argument("--skip-check", action="store_true", help="skip the check set (c)")
    parser.add_argument("--skip-weekly", action="store_true", help="skip the weekly set (d)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the demo-like set (a)")
    parser.add_argument("--off", default="", help="auto's steps to turn off, comma-separated, to measure what "
                        "each adds: adjust, pool_growth, pool_seasons, obsolescence, choose_decay")
    args = parser.parse_args(argv)
    steps = ("adjust", "pool_growth", "pool_seasons", "obsolescence", "choose_decay")
    off = [a.strip() for a in args.off.split(",") if a.strip()]
    if unknown := [a for a in off if a not in steps]:
        parser.error(f"--off: unknown step(s) {', '.join(unknown)}; valid: {', '.join(steps)}")
    settings = replace(DEFAULT_SETTINGS, **dict.fromkeys(off, False))
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # means of methods that cannot run (NaN)
    counts, mean, _kind = demo_like(args.series, seed=args.seed)
    evaluate("demo-like (synthetic)", counts, pd.date_range("2023-01-01", periods=36, freq="MS"), 12, truth=mean,
             settings=settings)
    if not args.skip_cdnow:
        values, dates = load_cdnow(args.cdnow)
        evaluate("CDNOW weekly CD purchases (real)", values, dates, 52, settings=settings)
    if not args.skip_weekly:
        counts, mean, dates = weekly_demo_like(args.series)
        evaluate("weekly demo-like (synthetic)", counts, dates, 52, truth=mean, settings=settings)
    if not args.skip_check:
        counts, mean = check_set(args.series)
        evaluate("check set (synthetic, drawn differently)", counts,
                 pd.date_range("2021-01-01", periods=counts.shape[1], freq="MS"), 12, truth=mean, settings=settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
