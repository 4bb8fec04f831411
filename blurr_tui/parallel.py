"""Running one job on several cores: forked workers, results back to the parent.

Identities are independent (Blurr itself groups by identity and runs each group alone), so a
run is split by identity: worker ``k`` of ``n`` owns the identities with
``owner(identity, n) == k``.  Workers are forks of the parent, so they share its loaded specs
and its string-hash seed (``hash`` agrees across them) without pickling anything; each sends
one pickled result back through a pipe.  Worker 0 is the parent itself.

:func:`default_jobs` decides how many workers pay for a log of a given size.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Below this many bytes of log, starting a second worker does not pay for itself.
SMALL_LOG_BYTES = 1 << 20
MAX_JOBS = 8


class WorkerFailed(Exception):
    """A worker raised: the caller runs the job again in one process (same messages)."""


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def log_bytes(paths: list[str]) -> int:
    total = 0
    for p in paths:
        try:
            size = Path(p).stat().st_size
        except OSError:
            continue
        total += size * 5 if p.endswith((".gz", ".bz2")) else size
    return total


def default_jobs(paths: list[str], jobs: int | None) -> int:
    """``jobs`` when given (``--jobs N``), else 1 for a small log, else one per core."""
    if not hasattr(os, "fork"):
        return 1
    if jobs is not None:
        return max(1, min(jobs, MAX_JOBS))
    if log_bytes(paths) < SMALL_LOG_BYTES:
        return 1
    return max(1, min(cpu_count(), MAX_JOBS))


def owner(identity: Any, jobs: int) -> int:
    """The worker that owns ``identity`` (the same in every fork of one parent)."""
    return hash(identity) % jobs


def fork_map(work: Callable[[int], Any], jobs: int) -> list[Any]:
    """``[work(0), ..., work(jobs - 1)]``, each in its own process (``work(0)`` in this one).

    Raises :class:`WorkerFailed` when any call raised an ``Exception`` (after every worker
    has ended); KeyboardInterrupt stops the workers and is raised again.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []
    try:
        for k in range(1, jobs):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: compute, send, leave without the parent's cleanup
                os.close(read_fd)
                _child(work, k, write_fd)
            os.close(write_fd)
            children.append((pid, read_fd))
        failed: str | None = None
        try:
            results = [work(0)]
        except Exception as exc:  # noqa: BLE001 (reported as a failure; the job is re-run)
            failed, results = f"worker 0: {type(exc).__name__}: {exc}", [None]
        for pid, read_fd in children:
            with os.fdopen(read_fd, "rb") as fh:
                data = fh.read()
            _pid, status = os.waitpid(pid, 0)
            if not data or status != 0:
                failed = failed or f"worker pid {pid} ended with status {status}"
                results.append(None)
                continue
            ok, value = pickle.loads(data)
            if not ok:
                failed = failed or value
            results.append(value if ok else None)
        children = []
    finally:
        for pid, _fd in children:  # interrupted: stop the workers we started
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except OSError:
                pass
    if failed is not None:
        raise WorkerFailed(failed)
    return results


def _child(work: Callable[[int], Any], k: int, write_fd: int) -> None:
    code = 0
    try:
        try:
            payload = pickle.dumps((True, work(k)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001
            payload = pickle.dumps((False, f"worker {k}: {type(exc).__name__}: {exc}"))
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(payload)
    except BaseException:  # noqa: BLE001 (interrupted or the pipe is gone)
        code = 1
    finally:
        os._exit(code)
