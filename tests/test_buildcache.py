"""broadsheet.buildcache.place: a kept file put into the output, whatever is there."""

import os

from broadsheet.buildcache import place


def test_a_kept_file_is_linked_into_a_folder_not_made_yet(tmp_path):
    stored = tmp_path / "cache" / "page.html"
    stored.parent.mkdir()
    stored.write_text("<p>kept</p>")
    target = tmp_path / "output" / "2024" / "03" / "page.html"
    place(stored, target)
    assert target.read_text() == "<p>kept</p>"
    assert os.path.samefile(stored, target)


def test_a_kept_file_replaces_what_is_there_and_stays_as_it_was(tmp_path):
    stored = tmp_path / "page.html"
    stored.write_text("<p>kept</p>")
    (tmp_path / "output").mkdir()
    target = tmp_path / "output" / "page.html"
    target.write_text("<p>from an older build</p>")
    other = tmp_path / "other.html"
    other.write_text("<p>another kept page</p>")
    os.link(other, tmp_path / "output" / "linked.html")

    place(stored, target)
    place(stored, tmp_path / "output" / "linked.html")  # a link to another kept file

    assert target.read_text() == "<p>kept</p>" and os.path.samefile(stored, target)
    assert (tmp_path / "output" / "linked.html").read_text() == "<p>kept</p>"
    assert other.read_text() == "<p>another kept page</p>"
