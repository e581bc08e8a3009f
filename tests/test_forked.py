"""broadsheet.forked: work shared out between this process and forked ones."""

from __future__ import annotations

import os
import time

import pytest

from broadsheet.forked import share_out, wanted_processes


def test_each_share_is_worked_on_by_its_own_process_and_comes_back_in_order():
    def work(share):
        return os.getpid(), [item * item for item in share]

    results = share_out(work, list(range(10)), 3)
    assert [squares for _, squares in results] == [
        [0, 9, 36, 81],
        [1, 16, 49],
        [4, 25, 64],
    ]
    pids = [pid for pid, _ in results]
    assert pids[0] == os.getpid() and len(set(pids)) == 3


def test_one_process_or_one_item_is_worked_on_here():
    assert share_out(lambda share: (os.getpid(), share), [1, 2], 1) == [(os.getpid(), [1, 2])]
    assert share_out(lambda share: (os.getpid(), share), [7], 4) == [(os.getpid(), [7])]


def test_what_a_forked_process_met_is_raised_here():
    def work(share):
        if 3 in share:
            raise KeyError("story-3")
        return share

    with pytest.raises(KeyError, match="story-3"):
        share_out(work, [1, 2, 3, 4], 2)  # [1, 3] is the forked process's share


def test_an_exception_that_does_not_pickle_comes_back_by_its_name():
    class Odd(Exception):
        def __reduce__(self):
            raise TypeError("no")

    def work(share):
        if os.getpid() != here:
            raise Odd("half-written page")
        return share

    here = os.getpid()
    with pytest.raises(RuntimeError, match="^Odd: half-written page$"):
        share_out(work, [1, 2], 2)


def test_this_process_waits_for_the_others_after_failing_itself(tmp_path):
    here = os.getpid()

    def work(share):
        if os.getpid() == here:
            raise ValueError("mine")
        time.sleep(0.2)
        (tmp_path / f"{share[0]}.done").touch()
        return share

    with pytest.raises(ValueError, match="mine"):
        share_out(work, [1, 2, 3], 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.done", "3.done"]


def test_processes_for_a_setting():
    assert wanted_processes(1) == 1
    assert wanted_processes(3) == 3
    assert 1 <= wanted_processes(None, cap=2) <= 2


def test_work_started_beside_this_process_hands_back_its_result_or_its_error():
    from broadsheet.forked import start

    here = os.getpid()
    running = start(lambda: (os.getpid(), "feeds written"))
    pid, said = running.result()
    assert said == "feeds written" and pid != here

    def failing():
        raise KeyError("feeds/tag/x.atom.xml")

    with pytest.raises(KeyError, match="feeds/tag/x.atom.xml"):
        start(failing).result()


def test_work_started_beside_can_be_stopped_before_it_ends():
    from broadsheet.forked import start

    started = time.perf_counter()
    running = start(lambda: time.sleep(30))
    pid = running.child.pid
    running.stop()
    assert time.perf_counter() - started < 10
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(RuntimeError, match="stopped"):
        running.result()


def test_what_a_started_process_logged_is_logged_here_when_its_result_comes(caplog):
    import logging

    from broadsheet.forked import start

    def work():
        logging.getLogger("broadsheet.test").warning("tag %s has no slug", "★")
        logging.getLogger("broadsheet.test").debug("not let through")
        raise KeyError("feeds/tag/x.atom.xml")

    running = start(work, origin="(feeds, written beside the pages)")
    with caplog.at_level(logging.WARNING), pytest.raises(KeyError):
        running.result()
    [record] = caplog.records
    assert (record.name, record.levelname, record.getMessage()) == (
        "broadsheet.test",
        "WARNING",
        "tag ★ has no slug",
    )
    assert record.pathname == "(feeds, written beside the pages)"


def test_a_started_process_runs_at_the_lower_priority_asked_for():
    from broadsheet.forked import start

    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert start(lambda: os.getpriority(os.PRIO_PROCESS, 0), 5).result() == min(here + 5, 19)
    assert os.getpriority(os.PRIO_PROCESS, 0) == here


def test_processes_whose_result_was_never_asked_for_are_stopped():
    from broadsheet.forked import RUNNING, start, stop_running

    running = start(lambda: time.sleep(30))
    pid = running.child.pid
    assert running in RUNNING
    stop_running()
    assert not RUNNING
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_forking_leaves_what_was_frozen_frozen_and_nothing_else():
    import gc

    gc.unfreeze()  # whatever an earlier build in this process left frozen
    share_out(lambda share: len(share), [1, 2], 2)
    assert gc.get_freeze_count() == 0  # frozen for the fork only

    kept = [object() for _ in range(1000)]
    gc.freeze()  # as plugins/build_speed freezes a build's objects
    try:
        before = gc.get_freeze_count()
        share_out(lambda share: len(share), [1, 2], 2)
        assert gc.get_freeze_count() >= before  # still out of the collector's sight
    finally:
        gc.unfreeze()
    assert kept
