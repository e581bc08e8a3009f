"""broadsheet.perf: the collector's pauses and the exit without a last collection."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

from broadsheet.perf import collection_paused

ROOT = Path(__file__).resolve().parents[1]


def exit_report(body: str) -> str:
    """Run `body` in a fresh Python after an atexit handler (which runs last) that
    prints how many objects were frozen when the process came to exit."""
    script = textwrap.dedent(
        """
        import atexit, gc
        atexit.register(lambda: print("frozen", gc.get_freeze_count()))
        """
    ) + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_build_process_exits_with_its_objects_frozen() -> None:
    report = exit_report(
        """
        from broadsheet.perf import no_collection_at_exit
        no_collection_at_exit()
        no_collection_at_exit()
        kept = [[n] for n in range(100_000)]
        """
    )
    frozen = int(report.split()[1])
    assert frozen > 100_000  # every object alive at exit, the list's 100,000 among them


def test_without_it_nothing_is_frozen() -> None:
    assert exit_report("kept = [[n] for n in range(1000)]") == "frozen 0"


def test_the_collector_comes_back_after_a_pause() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
