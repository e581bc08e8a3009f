"""broadsheet.buildcache: a kept file put into the output, whatever is there; contents'
fingerprints, which decide whether a kept page is used again."""

import os

from broadsheet.buildcache import Fingerprints, place


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


class Story:
    """Like Pelican's contents: one attribute per metadata key, the same objects."""

    def __init__(self, **metadata):
        self.metadata = dict(metadata)
        for key, value in self.metadata.items():
            setattr(self, key, value)
        self._content = "<p>The ferry ran late.</p>"


def fingerprint(story) -> str:
    return Fingerprints().shallow(story)


def test_a_story_made_again_from_the_same_data_has_the_same_fingerprint():
    first = Story(title="Night ferry", tags=["ferries", "islands"])
    again = Story(title="Night ferry", tags=["ferries", "islands"])
    assert fingerprint(first) == fingerprint(again)


def test_any_change_to_an_attribute_or_its_metadata_changes_the_fingerprint():
    before = fingerprint(Story(title="Night ferry", tags=["ferries", "islands"]))

    retitled = Story(title="Night ferry", tags=["ferries", "islands"])
    retitled.title = "Night ferry, late again"  # the attribute only
    tagged = Story(title="Night ferry", tags=["ferries", "islands"])
    tagged.tags.append("weather")  # the list both hold
    noted = Story(title="Night ferry", tags=["ferries", "islands"])
    noted.metadata["title"] = "Night ferry, late again"  # the metadata only
    copied = Story(title="Night ferry", tags=["ferries", "islands"])
    copied.metadata["tags"] = ["ferries", "islands", "weather"]  # now another list

    found = {fingerprint(story) for story in (retitled, tagged, noted, copied)}
    assert before not in found and len(found) == 4


def test_tags_are_fingerprinted_by_their_url_as_the_settings_make_it():
    from pelican.urlwrappers import Tag

    settings = {"TAG_URL": "tag/{slug}.html", "TAG_SAVE_AS": "tag/{slug}.html"}
    moved = {**settings, "TAG_URL": "topics/{slug}/"}
    tagged = Story(title="Night ferry", tags=[Tag("Ferries", settings)])
    again = Story(title="Night ferry", tags=[Tag("Ferries", settings)])
    elsewhere = Story(title="Night ferry", tags=[Tag("Ferries", moved)])
    prints = Fingerprints()  # one build's, as the writer keeps it

    assert prints.shallow(tagged) == prints.shallow(again)
    assert prints.shallow(elsewhere) != prints.shallow(tagged)
    assert prints.value(elsewhere.tags) == (
        ("term", "Tag", "Ferries", "ferries", "topics/ferries/"),
    )


def ferry_report(number: int):
    """A Pelican article with the attributes a page key reads, and no settings."""
    from pelican.contents import Article

    made = Article.__new__(Article)
    made.__dict__.update(
        title=f"Ferry report {number}",
        _content=f"<p>Crossing {number} ran late.</p>",
        source_path=f"/content/articles/ferry-{number}.md",
        metadata={"title": f"Ferry report {number}"},
    )
    return made


def test_fingerprints_worked_out_by_forked_processes_are_the_ones_made_here(monkeypatch):
    from broadsheet import buildcache

    stories = [ferry_report(number) for number in range(12)]
    for number, story in enumerate(stories):  # each names the next, as digests do
        story.digests = [stories[(number + 1) % len(stories)]]
        story.related_stories = [stories[(number + 5) % len(stories)]]
    here = Fingerprints()
    expected = [(here.shallow(story), here.of(story)) for story in stories]

    monkeypatch.setattr(buildcache, "MIN_SHARED_PRINTS", 2)
    shared = Fingerprints()
    shared.shallow_all(stories, 3)
    assert [(shared.shallow(story), shared.of(story)) for story in stories] == expected
    edited = Fingerprints()
    stories[4].digests = []
    edited.shallow_all(stories, 3)
    assert edited.shallow(stories[4]) != expected[4][0]
    assert edited.of(stories[3]) != expected[3][1]  # its digest is the 4th
    assert edited.of(stories[0]) == expected[0][1]  # names neither


def test_tags_carrying_copies_of_the_settings_have_one_print_and_a_url_naming_more_counts():
    from pelican.urlwrappers import Tag

    settings = {"TAG_URL": "tag/{slug}.html", "TAG_SAVE_AS": "tag/{slug}.html"}
    copy = dict(settings)  # as each article read from Pelican's content cache brings
    prints = Fingerprints()
    assert prints.value(Tag("Ferries", settings)) == prints.value(Tag("Ferries", copy))

    # A URL made of more than the name and slug: each settings object by its own URL.
    by_site = {"TAG_URL": "{settings[SITEURL]}/tag/{slug}.html", "SITEURL": "https://a.example"}
    other_site = {**by_site, "SITEURL": "https://b.example"}
    first = prints.value(Tag("Ferries", by_site))
    second = prints.value(Tag("Ferries", other_site))
    assert first[-1] == "https://a.example/tag/ferries.html"
    assert second[-1] == "https://b.example/tag/ferries.html"


def test_an_issue_met_by_many_stories_gives_each_the_print_it_gives_alone():
    """A digest issue (a dataclass linked to the issues before and after it) is taken
    apart once per build: every story holding it gets the hash, and the list of
    contents it names, that it would get if it were the only one."""
    import dataclasses

    @dataclasses.dataclass(eq=False)
    class Issue:
        title: str
        stories: list
        previous: object = None
        next: object = None

    def site() -> list:
        stories = [ferry_report(number) for number in range(6)]
        first = Issue("Week 1", stories[:3])
        second = Issue("Week 2", stories[3:], previous=first)
        first.next = second
        for each in stories:
            each.digests = [first if stories.index(each) < 3 else second]
        return stories

    shared = Fingerprints()
    together = [shared.of(each) for each in site()]
    alone = [Fingerprints().of(site()[number]) for number in range(6)]
    assert together == alone
    edited = site()
    edited[0].digests[0].title = "Week 1, corrected"
    again = Fingerprints()
    # Each story's issue is week 1 or names it (week 2's previous): every print moves.
    moved = [again.of(each) for each in edited]
    assert all(a != b for a, b in zip(moved, together, strict=True))
