"""store and dedupe: atomic writes, the ledger, the lock, and same-story detection."""

from __future__ import annotations

import pytest
from filelock import FileLock

from broadsheet import store
from broadsheet.dedupe import BodyPrint, find_same_story
from broadsheet.errors import StoreError

WIRE = (
    "Pacific fishing nations agreed on Thursday to cut catch limits for two of the region's "
    "most valuable tuna species by 12 percent over three years, ending a week of fractious "
    "talks. The deal trims quotas for bigeye and yellowfin tuna and requires satellite "
    "tracking on every licensed longline vessel by 2026. Scientists had warned that bigeye "
    "stocks were being fished faster than they could recover."
)


def test_write_atomic_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a" / "b.md"
    store.write_atomic(target, b"first")
    store.write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["b.md"]


def test_write_atomic_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "b.md"
    store.write_atomic(target, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["b.md"]


def test_ledger_is_sorted_by_hash_and_keeps_the_first_outcome_over_unchanged(tmp_path):
    archive = store.Archive(tmp_path)
    for data in (b"zeta", b"alpha", b"mid"):
        digest = archive.keep_raw(data)
        archive.record(digest, f"{data.decode()}.txt", "2026-01-15T09:30:00+00:00", "s", "imported")
    archive.record(
        store.raw_digest(b"mid"), "again.txt", "2026-02-01T00:00:00+00:00", "s", "unchanged"
    )
    archive.save()
    rows = (tmp_path / "ledger.tsv").read_text().splitlines()
    hashes = [row.split("\t")[0] for row in rows[1:]]
    assert hashes == sorted(hashes) and len(hashes) == 3
    assert "again.txt" not in "".join(rows)
    assert store.Archive(tmp_path).load_raw(store.raw_digest(b"alpha")) == b"alpha"


def test_a_held_lock_stops_a_second_import_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "LOCK_TIMEOUT_SECONDS", 0.2)
    with (
        FileLock(str(tmp_path / ".import.lock")),
        pytest.raises(StoreError, match="another import holds the lock"),
        store.import_lock(tmp_path),
    ):
        pass


def test_wire_copy_trimmed_and_retitled_is_the_same_story():
    original = BodyPrint.of("original", WIRE)
    trimmed = BodyPrint.of("", "SUVA: " + WIRE.rsplit(". ", 1)[0])
    assert find_same_story(trimmed, [original]) is original


def test_different_story_on_the_same_topic_is_not_a_copy():
    original = BodyPrint.of("original", WIRE)
    other = BodyPrint.of(
        "",
        "Fisheries ministers from the Pacific met again in Suva to discuss tuna, but talks on "
        "longline tracking stalled as distant-water fleets asked for more time. Delegates said "
        "a compromise on observer coverage could come next year, while conservation groups "
        "called for a moratorium on new licences until stocks recover from years of overfishing.",
    )
    assert find_same_story(other, [original]) is None


def test_exact_copy_with_different_spacing_and_escapes_is_found():
    original = BodyPrint.of("original", "Short text, one line.")
    assert find_same_story(BodyPrint.of("", "Short  text,\none line\\."), [original]) is original
