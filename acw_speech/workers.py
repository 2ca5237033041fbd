"""Worker processes for `acw run --workers N`: each builds its own CallAnalyzer once (its models load on its first
call) and processes one call at a time, so a worker that dies (killed by the OOM killer, a crash in native code)
costs exactly its own call, which becomes a `failed` row. The parent hashes, schedules and is the only writer.

Workers are spawned, not forked: a forked child would inherit the output folder's lock and the parent's threads.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from acw_speech import errors
from acw_speech.config import PipelineConfig, with_overrides
from acw_speech.errors import AcwError
from acw_speech.records import CallDetails, CallResult


class Task(NamedTuple):
    """One recording to process: its path, content id and call details."""

    path: Path
    call_id: str
    details: CallDetails | None


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_config(config: PipelineConfig, workers: int) -> PipelineConfig:
    """The cores shared out: each worker's recogniser gets cores // workers threads, unless the pipeline set them."""
    if config.asr.cpu_threads:
        return config
    return with_overrides(config, asr={"cpu_threads": max(1, usable_cpus() // workers)})


class _Worker:
    def __init__(self, context, config: PipelineConfig, serve: Callable):
        self.conn, child_conn = context.Pipe()
        args = (config, child_conn, os.getpid())
        self.process = context.Process(target=serve, args=args, name="acw-worker", daemon=True)
        with _sigint_ignored():  # a spawned child keeps an ignored SIGINT: Ctrl-C is the parent's to handle
            self.process.start()
        child_conn.close()
        self.task: Task | None = None
        self.started = 0.0

    def give(self, task: Task) -> bool:
        try:
            self.conn.send(task)
        except OSError:  # it died while idle; the task was never started
            return False
        self.task, self.started = task, time.monotonic()
        return True

    def receive(self) -> tuple | None:
        """Its answer, or None when it died without one."""
        try:
            return self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):
            return None

    def stop(self, wait_s: float = 0.0) -> None:
        """Hang up: an idle worker then exits by itself; one still busy (Ctrl-C, an error) is killed, its call
        simply not written."""
        self.conn.close()
        self.process.join(timeout=wait_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def death(self) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            hint = " (the out-of-memory killer sends it)" if -code == signal.SIGKILL else ""
            return f"the worker process died of {name}{hint} while processing this recording"
        return f"the worker process exited (code {code}) while processing this recording"


RESOURCE_TRACKER_WARNING = "ignore:resource_tracker:UserWarning"


def _quiet_resource_tracker() -> None:
    """Workers stopped by a signal leave their queues' semaphores to multiprocessing's resource tracker, which
    cleans them up and then warns about "leaked semaphore objects" on stderr, breaking --log-json's one JSON
    object per line. The tracker takes its warning filters from `sys.warnoptions` when it starts."""
    if RESOURCE_TRACKER_WARNING not in sys.warnoptions:
        sys.warnoptions.append(RESOURCE_TRACKER_WARNING)


def run_in_workers(
    config: PipelineConfig,
    workers: int,
    tasks: Iterator[Task],
    on_result: Callable[[CallResult], None],
    failed_result: Callable[[Task, str], CallResult],
    serve: Callable | None = None,
) -> None:
    """Process `tasks` in `workers` processes, handing each result to `on_result` as it arrives.

    A worker that dies becomes `failed_result(task, why)` for its call and is replaced. A setup problem in a worker
    (an AcwError: model missing, bad taxonomy) stops the run like it does in-process. `serve` replaces the
    worker's main function (tests use it to make a worker die).
    """
    _quiet_resource_tracker()
    context = multiprocessing.get_context("spawn")
    config = worker_config(config, workers)
    serve = serve or _serve
    tasks = iter(tasks)
    idle = [_Worker(context, config, serve) for _ in range(workers)]
    busy: list[_Worker] = []
    unsent: deque[Task] = deque()
    try:
        while True:
            while idle and (unsent or tasks is not None):
                task = unsent.popleft() if unsent else next(tasks, None)
                if task is None:
                    tasks = None
                    break
                worker = idle.pop()
                if worker.give(task):
                    busy.append(worker)
                else:
                    unsent.append(task)
                    worker.stop()
                    idle.append(_Worker(context, config, serve))
            if not busy:
                return
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for worker in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                busy.remove(worker)
                answer = worker.receive()
                if answer is None:
                    result = failed_result(worker.task, worker.death())
                    on_result(replace(result, processing_s=round(time.monotonic() - worker.started, 3)))
                    worker.stop()
                    if unsent or tasks is not None:
                        idle.append(_Worker(context, config, serve))
                elif answer[0] == "error":
                    _, kind, message = answer
                    error_class = getattr(errors, kind, AcwError)
                    raise (error_class if error_class.__init__ is AcwError.__init__ else AcwError)(message)
                else:
                    on_result(answer[1])
                    idle.append(worker)
    finally:  # also on Ctrl-C or an error: pending work is cancelled, the calls finished so far were handed over
        for worker in busy:
            worker.stop()
        for worker in idle:
            worker.stop(wait_s=10.0)


def _serve(config: PipelineConfig, conn, parent_pid: int) -> None:
    """A worker's life: build the analyzer, then process each task sent until the parent hangs up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and SIGTERM (to the whole group, as systemd sends it) are
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the parent's to handle; a worker ends when its pipe closes
    die_with_parent(parent_pid)
    os.environ.setdefault("OMP_NUM_THREADS", str(config.asr.cpu_threads))  # torch (speaker embeddings), on import
    from acw_speech.run import CallAnalyzer

    analyzer = CallAnalyzer(config)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            try:
                answer = ("result", analyzer.process(*task))
            except AcwError as exc:
                conn.send(("error", type(exc).__name__, str(exc)))
                return
            conn.send(answer)
        except OSError:  # the parent is gone (killed): nobody to answer
            return


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this worker when the acw process dies (even by SIGKILL), so a killed run leaves no
    worker burning CPU on a call nobody will write."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the worker still exits when it finds the pipe closed
    if os.getppid() != parent_pid:  # the parent died before the request was in place
        os._exit(0)


class _sigint_ignored:
    """Ignore SIGINT while a child starts (it inherits that); only possible from the main thread."""

    def __enter__(self):
        self.active = threading.current_thread() is threading.main_thread()
        if self.active:
            self.previous = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc_info):
        if self.active:
            signal.signal(signal.SIGINT, self.previous)
