"""Where sweep runs execute: in this process, on a local process pool, or on a dask.distributed cluster.

A backend runs ``fn(*task.args)`` for every task and yields ``(task, result, error)`` as runs finish
(in any order); exactly one of ``result`` and ``error`` is None. Only a bounded number of tasks is
in flight at a time, so the driver's memory does not grow with the number of runs. Results do not
depend on the backend: every run is a pure function of its arguments (parameters and seed).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

IN_FLIGHT_PER_WORKER = 2  # tasks queued per worker: keeps workers busy, the driver's memory flat
MIN_IN_FLIGHT = 4  # tasks queued on a dask cluster however few threads it reports
SCHEDULER_TIMEOUT_S = 10  # seconds to wait for a dask scheduler before giving up
PRELOAD = ["sim.batch.preload"]  # imported once by the fork server, so workers start fast (kernels loaded)


def pool_context() -> multiprocessing.context.BaseContext:
    """A fork server where available (fork() of a threaded driver may deadlock), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


@dataclass
class Outcome:
    task: Any
    result: Any
    error: BaseException | None


class Backend(Protocol):
    name: str
    workers: int

    def run(self, fn: Callable[..., Any], tasks: Iterable[Any]) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class LocalBackend:
    """``workers`` = 1: runs in this process, one after the other; more: a process pool."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.name = "serial" if self.workers == 1 else f"processes:{self.workers}"

    def run(self, fn: Callable[..., Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        if self.workers == 1:
            for task in tasks:
                try:
                    result = fn(*task.args)
                except Exception as err:
                    yield Outcome(task, None, err)
                else:
                    yield Outcome(task, result, None)
            return
        it = iter(tasks)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        pools = [self._pool()]
        pending: dict[Future, Any] = {}

        def submit(task: Any) -> None:
            try:
                pending[pools[-1].submit(fn, *task.args)] = task
            except BrokenProcessPool:  # a worker died (killed, out of memory): carry on with a fresh pool
                pools[-1].shutdown(wait=False, cancel_futures=True)
                pools.append(self._pool())
                pending[pools[-1].submit(fn, *task.args)] = task

        try:
            for task in islice(it, limit):
                submit(task)
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = pending.pop(fut)
                    err = fut.exception()  # the run's exception, or BrokenProcessPool for runs lost with a worker
                    yield Outcome(task, None if err else fut.result(), err)
                    for nxt in islice(it, 1):
                        submit(nxt)
        finally:
            for fut in pending:
                fut.cancel()
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=pool_context())

    def close(self) -> None:
        pass


class DaskBackend:
    """Runs on a dask.distributed cluster: give a ``Client`` or a scheduler address (tcp://HOST:PORT).

    The workers need this package installed (same version); they return results to the driver,
    which alone writes files, so workers need no shared file system.
    """

    def __init__(self, client: Any = None, address: str | None = None) -> None:
        from distributed import Client

        self._own = client is None
        if client is None:
            if address is None:
                raise ValueError("DaskBackend needs a client or a scheduler address")
            try:
                client = Client(address, timeout=SCHEDULER_TIMEOUT_S, set_as_default=False)
            except (OSError, TimeoutError) as err:
                raise ConnectionError(f"cannot reach the dask scheduler at {address}: {err}") from None
        self.client = client
        self.workers = max(1, sum(client.nthreads().values()))
        self.name = f"dask:{client.scheduler.address}"

    def run(self, fn: Callable[..., Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        from distributed import as_completed

        it = iter(tasks)
        limit = max(MIN_IN_FLIGHT, self.workers * IN_FLIGHT_PER_WORKER)
        pending: dict[Any, Any] = {}
        queue = as_completed(loop=self.client.loop)

        def submit(task: Any) -> None:
            fut = self.client.submit(fn, *task.args, pure=False)
            pending[fut] = task
            queue.add(fut)

        try:
            for task in islice(it, limit):
                submit(task)
            for fut in queue:
                task = pending.pop(fut)
                try:
                    result, err = fut.result(), None
                except Exception as e:  # the run's own exception, re-raised here, or KilledWorker
                    result, err = None, e
                fut.release()
                yield Outcome(task, result, err)
                for nxt in islice(it, 1):
                    submit(nxt)
        finally:
            if pending:
                self.client.cancel(list(pending))

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_backend(workers: int | None = None, scheduler: str | None = None, client: Any = None) -> Backend:
    """A dask backend when ``client`` or ``scheduler`` is given, else a local one with ``workers``."""
    if client is not None or scheduler is not None:
        return DaskBackend(client=client, address=scheduler)
    return LocalBackend(workers)
