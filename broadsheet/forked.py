"""Work shared out between this process and processes forked from it.

``share_out(work, items, processes)`` deals `items` out in turn (the first share is this
process's, the others go to forked processes), runs ``work(share)`` on every share at
once, and returns the results in share order. A forked process shares this one's memory
(what was read, fitted or built before the fork) until either writes to it, and sends its
result back pickled through a pipe; so `work` must return something that pickles, and
should return little next to what it read. An exception in a forked process is raised
here, as if this process had met it (or as a RuntimeError naming it when it does not
pickle); this process always waits for every forked one. Linux and macOS only (fork):
elsewhere, and with fewer than two processes or items, everything runs here.

``start(work, niceness, origin)`` forks one process that runs ``work()`` while this one
goes on, its priority lowered by `niceness`; its ``result()`` waits for it, logs here
the records its loggers let through (their origin `origin`), then returns what `work`
returned or raises what it raised. ``stop()`` ends it without waiting for its work;
``stop_running()`` stops every one whose result was never asked for (a build that failed
meanwhile), as this process does when it exits.

Forked processes do not log through this process's handlers: ``share_out``'s `work`
should report by its result, or keep its records with ``capture_records`` and hand them
back for ``log_records`` to log here.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def wanted_processes(setting: Any, cap: int = 4) -> int:
    """Processes for a setting: None is one per CPU (at most `cap`); a number is itself."""
    if setting is None:
        return max(1, min(os.cpu_count() or 1, cap))
    return max(1, int(setting))


def share_out(work: Callable[[list], T], items: Sequence, processes: int) -> list[T]:
    """``[work(share) for share in shares]``, the shares worked on at once (see above)."""
    processes = min(processes, len(items))
    if processes < 2 or not hasattr(os, "fork"):
        return [work(list(items))]
    shares = [list(items[number::processes]) for number in range(processes)]
    children = [_fork(work, share) for share in shares[1:]]
    failure: BaseException | None = None
    mine: Any = None
    try:
        mine = work(shares[0])
    except BaseException as error:
        failure = error
    results = [mine]
    for child in children:
        outcome = child.result()  # always waited for, even after a failure here
        if isinstance(outcome, _Failed):
            failure = failure or outcome.error
        else:
            results.append(outcome)
    if failure is not None:
        raise failure
    return results


class Running:
    """A forked process running ``work()`` (``start``)."""

    def __init__(self, child: _Child, origin: str) -> None:
        self.child: _Child | None = child
        self.origin = origin
        RUNNING.add(self)

    def result(self) -> Any:
        """Wait for the process and log its records: what `work` returned, or raise what
        it raised."""
        if self.child is None:
            raise RuntimeError("the forked process was stopped")
        child, self.child = self.child, None
        RUNNING.discard(self)
        outcome = child.result()
        if isinstance(outcome, _Failed):
            raise outcome.error
        records, value, error = outcome
        log_records(records, self.origin)
        if error is not None:
            raise error
        return value

    def stop(self) -> None:
        """End the process if it still runs, and reap it."""
        if self.child is None:
            return
        child, self.child = self.child, None
        RUNNING.discard(self)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        os.close(child.reading)
        os.waitpid(child.pid, 0)


RUNNING: set[Running] = set()  # started, their result not asked for yet


def start(work: Callable[[], Any], niceness: int = 0, origin: str = "(forked)") -> Running:
    """``work()`` in a process forked now, beside this one (Linux and macOS only)."""

    def logged(_share: list) -> tuple:
        os.nice(niceness)
        records: list = []
        capture_records(records)
        try:
            return records, work(), None
        except BaseException as error:  # raised here once its records are logged
            return records, None, picklable(error)

    return Running(_fork(logged, []), origin)


def stop_running() -> None:
    """Stop every process ``start`` forked whose result was never asked for."""
    while RUNNING:
        RUNNING.pop().stop()


atexit.register(stop_running)


def capture_records(records: list) -> None:
    """In a forked process: keep every log record a logger lets through, as (logger
    name, level, message), instead of handling it, for ``log_records`` in the parent."""

    def handle(self, record):
        if not self.disabled and self.filter(record):
            records.append((self.name, record.levelno, record.getMessage()))

    logging.Logger.handle = handle


def log_records(records, origin: str) -> None:
    """In the parent: log what ``capture_records`` kept in a forked process, each by its
    own logger, so handlers count it as they count this process's records."""
    for name, level, message in records:
        logger = logging.getLogger(name)
        logger.handle(logger.makeRecord(name, level, origin, 0, message, None, None))


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Child:
    def __init__(self, pid: int, reading: int) -> None:
        self.pid, self.reading = pid, reading

    def result(self) -> Any:
        with os.fdopen(self.reading, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if not data:
            code = os.waitstatus_to_exitcode(status)
            return _Failed(RuntimeError(f"a forked process ended with status {code}"))
        return pickle.loads(data)


def _fork(work: Callable[[list], Any], share: list) -> _Child:
    sys.stdout.flush()
    sys.stderr.flush()
    reading, writing = os.pipe()
    # The collector's bookkeeping would copy every shared page. Objects someone froze
    # before (plugins/build_speed, for the build) stay frozen here: unfreezing would
    # hand them all back to the collector.
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    pid = os.fork()
    if pid:
        if not frozen_before:
            gc.unfreeze()
        os.close(writing)
        return _Child(pid, reading)
    code = 0  # the forked process: never returns into the caller
    try:
        os.close(reading)
        gc.disable()
        try:
            outcome: Any = work(share)
        except BaseException as error:  # raised again in the parent
            outcome = _Failed(picklable(error))
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(writing, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # noqa: BLE001 (the parent reports a child that sent nothing)
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def picklable(error: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RuntimeError saying the same."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{error.__class__.__name__}: {error}")
    return error
