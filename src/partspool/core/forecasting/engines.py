"""Where chunks run: ``local`` (a process per core) or ``dask`` (a dask.distributed cluster).

Both map the same function (``chunk.run_chunk``) over the same chunks of series, split by
``unique_id`` order, so they give identical results.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from partspool.core.forecasting.chunk import ChunkBacktest, ChunkForecast, ChunkTask, run_chunk

ENGINES = ("local", "dask")
Result = ChunkForecast | ChunkBacktest


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_bounds(n: int, chunk_size: int, workers: int) -> list[tuple[int, int]]:
    """Split ``n`` series into contiguous chunks: at most ``chunk_size`` each, and enough of them
    (about four per worker) to keep every worker busy to the end."""
    if n == 0:
        return []
    size = max(1, min(chunk_size, -(-n // (4 * workers)) if workers > 1 else chunk_size))
    size = max(size, min(200, chunk_size))
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def run_local(tasks: Sequence[ChunkTask], workers: int) -> list[Result]:
    """Run tasks in forked worker processes, or here when one worker, one task, or no safe fork.

    Forking a process that runs other threads (a threaded web server, a dask client) can deadlock
    the child, and the alternatives re-import the caller's main module; so a process with other
    threads runs the tasks itself, on one core (use the ``dask`` engine there for more).
    """
    can_fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if workers <= 1 or len(tasks) <= 1 or not can_fork:
        return [run_chunk(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(run_chunk, tasks))


def run_dask(tasks: Sequence[ChunkTask], workers: int, client: Any = None) -> list[Result]:
    """Run tasks on ``client``, on the current dask client, or on a local cluster made for the call."""
    import distributed

    # distributed's constructors are not annotated; typed as Any here
    make_cluster: Any = distributed.LocalCluster
    make_client: Any = distributed.Client

    own_cluster: Any = None
    own_client: Any = None
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:
            own_cluster = make_cluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
            client = own_client = make_client(own_cluster)
    try:
        # the data goes to the workers directly, not through the task graph
        futures = client.map(run_chunk, client.scatter(list(tasks)), pure=False)
        return list(client.gather(futures))
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


def run_tasks(tasks: Sequence[ChunkTask], engine: str, workers: int, client: Any = None) -> list[Result]:
    """Run tasks on the named engine (``local`` or ``dask``), results in task order."""
    if engine == "local":
        return run_local(tasks, workers)
    if engine == "dask":
        return run_dask(tasks, workers, client)
    raise ValueError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
