"""Series per second of ``partspool.core.forecasting.forecast`` on demo-like monthly series.

    .venv/bin/python bench/forecast_speed.py --sizes 10000,100000 --engines local,dask --methods auto
    .venv/bin/python bench/forecast_speed.py --sizes 1000000 --engines local --methods TSB

Each run builds a long frame (``unique_id`` as a categorical, ``ds`` month starts, ``y`` counts),
then times one ``forecast`` call end to end: input checks, all back-testing and fitting, intervals
and the result frames. For ``dask`` the LocalCluster (one worker process per core) is started
before the clock starts and reused, as a long-running service would.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forecast_accuracy import demo_like  # noqa: E402
from partspool.core.forecasting import forecast  # noqa: E402
from partspool.core.forecasting.engines import default_workers  # noqa: E402


def long_frame(n: int, months: int, seed: int) -> pd.DataFrame:
    y, _mean, _kind = demo_like(n, months=months, seed=seed)
    ids = pd.Categorical.from_codes(np.repeat(np.arange(n), months), categories=[f"P{i:07d}" for i in range(n)])
    ds = pd.date_range("2023-01-01", periods=months, freq="MS").to_numpy()
    return pd.DataFrame({"unique_id": ids, "ds": np.tile(ds, n), "y": y.reshape(-1)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of series")
    parser.add_argument("--engines", default="local,dask")
    parser.add_argument("--methods", default="auto", help="comma-separated: auto and/or method names")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--horizon", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    args = parser.parse_args(argv)
    workers = args.workers or default_workers()
    print(f"cores available: {default_workers()}, workers: {workers}, months: {args.months}, "
          f"horizon: {args.horizon}, pid {os.getpid()}")
    print(f"{'series':>9} {'engine':<6} {'method':<8} {'seconds':>9} {'series/s':>10}")
    client = cluster = None
    try:
        # local first: once a dask client runs threads in this process, ``local`` no longer forks
        for engine in sorted(args.engines.split(","), key=lambda e: e != "local"):
            if engine == "dask" and client is None:
                from distributed import Client, LocalCluster

                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
            for size in (int(s) for s in args.sizes.split(",")):
                frame = long_frame(size, args.months, seed=size)
                for method in args.methods.split(","):
                    started = time.perf_counter()
                    result = forecast(frame, args.horizon, method=method, engine=engine, workers=workers,
                                      client=client if engine == "dask" else None)
                    seconds = time.perf_counter() - started
                    assert len(result.forecasts) == size * args.horizon
                    print(f"{size:>9} {engine:<6} {method:<8} {seconds:>9.1f} {size / seconds:>10.0f}", flush=True)
                del frame
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
