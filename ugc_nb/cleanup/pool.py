"""The batch workers of a cleanup run: threads, the read-ahead, progress, and Ctrl-C.

:func:`send_all` hands batches to ``concurrency`` worker threads. Each worker
starts the live read of its *next* batch while its current request is on the
wire, so the re-read before every batch costs about nothing in wall time. A read
ahead that has grown older than the run's ``max_read_age`` by the time its batch
is judged (the current batch waited, was retried or re-read) is not used: the
engine reads that batch again first.

The workers, not the calling thread, make the requests, so Ctrl-C lands in the
calling thread while it waits: no request is cut off half-way. On an interrupt
the workers finish the request they are in (further Ctrl-Cs are ignored until
they have) and take no new batch; then :class:`CleanupInterrupted` is raised by
the engine. Progress (a tqdm bar or a callable) is reported from the calling
thread only, so a widget is never touched from a worker.
"""

from __future__ import annotations

import inspect
import queue
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Set
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["AccountGate", "Progress", "send_all"]

#: ``progress(done, total)``, ``progress(done, total, failed)`` when it takes three arguments, or
#: ``progress(done, total, failed, waiting)`` when it takes four (``waiting``: tasks sent whose answer is not in yet).
Progress = Callable[..., None]
#: How often the calling thread reports progress while it waits (seconds).
TICK = 0.05


class AccountGate:
    """Reads of an account never overlap a request that carries its tasks.

    A worker judges a batch and sends it inside :meth:`sending`, which first lets
    reads of those accounts in flight finish (so their news is seen) and keeps new
    ones out until the request's answer is in; :meth:`reading` waits for such
    requests. Requests of the same accounts may overlap each other, and so may reads.
    An account of ``None`` (not known) stands for every account.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._reads: Counter[object] = Counter()
        self._sends: Counter[object] = Counter()

    @staticmethod
    def _clash(keys: Set[object], busy: Counter[object]) -> bool:
        if None in keys:
            return any(busy.values())
        return busy[None] > 0 or any(busy[k] for k in keys)

    @contextmanager
    def _hold(self, keys: Set[object], mine: Counter[object], theirs: Counter[object]) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._clash(keys, theirs))
            mine.update(keys)
        try:
            yield
        finally:
            with self._cond:
                mine.subtract(keys)
                self._cond.notify_all()

    def reading(self, accounts: Set[object]) -> Any:
        """Hold while reading ``accounts`` (waits for requests carrying their tasks)."""
        return self._hold(frozenset(accounts), self._reads, self._sends)

    def sending(self, accounts: Set[object]) -> Any:
        """Hold from judging a batch of ``accounts`` until its request's answer is in (waits for their reads)."""
        return self._hold(frozenset(accounts), self._sends, self._reads)


class _Worklist(Protocol):
    stopped: str | None
    done: int
    failed: int
    on_wire: set[str]
    rule: Any
    wake: Callable[[], None]

    def work(self, batch: list[str], live: Any) -> None: ...

    def fail(self, exc: BaseException) -> None: ...


class _Feed:
    """The batches waiting for a worker, and the reads started ahead for them."""

    def __init__(self, run: _Worklist, batches: list[list[str]], prefetch: Callable[[list[str]], dict[str, dict[str, Any]]] | None,
                 given: dict[str, dict[str, Any]] | None, *, readers: int) -> None:
        self.run, self.prefetch, self.given = run, prefetch, given
        self.pending: queue.SimpleQueue[list[str]] = queue.SimpleQueue()
        for batch in batches:
            self.pending.put(batch)
        self.readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="ugc-nb-read")
        self.finished = threading.Condition()
        self.alive = [0]

    def take(self) -> list[str] | None:
        try:
            return None if self.run.stopped else self.pending.get_nowait()
        except queue.Empty:
            return None

    def ahead(self, batch: list[str] | None) -> Any:
        if batch is None:
            return None
        if self.prefetch is None:
            return {i: self.given[i] for i in batch if self.given and i in self.given}
        return self.readers.submit(self.prefetch, batch)

    def worker(self) -> None:
        """One worker thread: take a batch, read the next one ahead while this one is sent, until none is left."""
        run = self.run
        try:
            batch = self.take()
            live = self.ahead(batch)
            while batch is not None and not run.stopped:
                following = self.take()
                next_live = self.ahead(following)  # read ahead while this batch's request is on the wire
                run.work(batch, live)
                batch, live = following, next_live
            if isinstance(live, Future):
                live.cancel()
        except BaseException as exc:  # noqa: BLE001 - a bug must stop the run, not vanish with the thread
            run.fail(exc)
        finally:
            with self.finished:
                self.alive[0] -= 1
                self.finished.notify_all()


def send_all(
    run: _Worklist,
    batches: list[list[str]],
    *,
    concurrency: int,
    progress: bool | Progress,
    total: int,
    prefetch: Callable[[list[str]], dict[str, dict[str, Any]]] | None,
    given: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Run ``run.work(batch, live)`` for every batch on worker threads; re-raise KeyboardInterrupt.

    ``prefetch(batch)`` is the live read started ahead for each batch; without
    it each batch's first state is taken from ``given``.
    """
    feed = _Feed(run, batches, prefetch, given, readers=max(1, concurrency))
    finished, alive = feed.finished, feed.alive
    worker = feed.worker
    readers = feed.readers

    report = _reporter(progress, total, run)

    def wake() -> None:
        with finished:
            finished.notify_all()

    run.wake = wake
    interrupted = False
    try:
        _start(worker, min(concurrency, len(batches)), f"ugc-nb-{run.rule.name}", finished, alive)
    except KeyboardInterrupt:
        interrupted = True
        run.stopped = "the run was interrupted"
    interrupted = _wait(run, finished, alive, report) or interrupted
    run.wake = lambda: None
    readers.shutdown(wait=False, cancel_futures=True)
    try:
        report(True)
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        raise KeyboardInterrupt


def _wait(run: _Worklist, finished: threading.Condition, alive: list[int], report: Callable[[bool], None]) -> bool:
    """Report progress until every worker is done; True if Ctrl-C was pressed meanwhile (the run then sends
    nothing more, but requests in flight finish, whatever is pressed). Waits on our own counter, not
    Thread.join: an interrupted join can leave a thread looking finished."""
    interrupted = False
    while True:
        try:
            with finished:
                if alive[0]:
                    finished.wait(TICK)
                remaining = alive[0]
            report(False)
            if not remaining:
                return interrupted
        except KeyboardInterrupt:
            interrupted = True
            run.stopped = "the run was interrupted"


def _reporter(progress: bool | Progress, total: int, run: _Worklist) -> Callable[[bool], None]:
    """A function the waiting thread calls to pass ``run.done`` on; ``True`` when the run is over."""
    seen = [-1]
    bar = None
    if progress and not callable(progress):
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=f"{run.rule.verb} tasks", unit="task")

    broken = [False]
    arity = _arity(progress) if callable(progress) else 0
    waited = [-1]

    def report(last: bool) -> None:
        done, waiting = min(run.done, total), len(run.on_wire)
        if (done != seen[0] or (arity == 4 and waiting != waited[0])) and not broken[0]:
            step, seen[0], waited[0] = done - max(seen[0], 0), done, waiting
            try:
                if bar is not None:
                    bar.update(step)
                elif callable(progress):
                    args = (done, total, run.failed, waiting)[:arity]
                    progress(*args)
            except KeyboardInterrupt:
                broken[0] = True  # asked to stop: no more progress calls, the run stops as on Ctrl-C
                raise
            except Exception as exc:  # noqa: BLE001 - a broken progress display stops the run, typed, with its report
                broken[0] = True
                run.fail(exc)
        if last and bar is not None:
            bar.close()

    return report


def _arity(fn: Callable[..., None]) -> int:
    """How many of (done, total, failed, waiting) ``fn`` takes: 4, 3, or the documented 2."""
    for n in (4, 3):
        try:
            inspect.signature(fn).bind(*range(n))
        except (TypeError, ValueError):  # ValueError: no signature to read (a builtin)
            continue
        return n
    return 2


def _start(target: Callable[[], None], count: int, name: str, finished: threading.Condition, alive: list[int]) -> None:
    """Start ``count`` worker threads, counting them in ``alive``, with SIGINT held back meanwhile
    (the workers inherit the mask, so Ctrl-C always reaches the waiting thread, after this)."""
    mask = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if mask else None
    try:
        for n in range(count):
            with finished:
                alive[0] += 1
            try:
                threading.Thread(target=target, name=f"{name}-{n}", daemon=True).start()
            except BaseException:
                with finished:
                    alive[0] -= 1
                raise
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
