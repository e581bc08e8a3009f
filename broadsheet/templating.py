"""Jinja helpers for the theme that concern rendering itself rather than what it shows.

``rendered_once`` (pelicanconf ``JINJA_FILTERS``): ``{{ story_card|rendered_once(article,
SITEURL) }}`` calls the macro the first time a build's template environment
asks for those arguments and hands back the same markup after. A story's card appears
on the home page, its section's, its outlet's and each of its tags' pages: about eight
list pages per story, 170,000 cards at 10,000 stories, rendered once each instead.

The macro must be a function of its arguments alone (``story_card`` reads only the
story's own fields and the site root it is given). The memo lives on the environment,
which Pelican makes afresh with each generator of each build, so a build never sees
another's cards; it holds each content it was called with, so an id stays that
content's while the environment lives. A macro is known by its compiled code (one per
template, however often it is imported), the content by identity, the other arguments
by value.

With the build caches on, ``plugins/render_cache`` also keeps the markup between builds
(``KeptRenderings``, installed in ``KEPT`` for the build): by the content's source path,
the macro and the arguments, with the content's fingerprint (its own attributes, with
the site's settings and shared context: what a cached list page is keyed by, and so all
a card can show). A rebuild after one new story makes again only the cards whose story
changed, where before it drew every story's card again for the 500 home pages that one
more story moves down: in a profiled rebuild at 10,000 stories, the home, archive and
tags-index pages took 0.7 s instead of 3.9 s. The theme's ``dated_item`` (one line of
the archives and of each year's and month's page) is kept the same way.
"""

from __future__ import annotations

import os
import pickle
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import pass_environment
from jinja2.environment import Environment
from markupsafe import Markup

from broadsheet.buildcache import PICKLE_PROTOCOL, code_version, load_kept, write_atomically

MEMO = "_broadsheet_rendered"  # the Environment attribute holding its memo
KEPT: list[KeptRenderings] = []  # the running build's kept renderings, if it keeps any
PLAIN = (str, int, float, bool, type(None))  # arguments a kept rendering can be keyed by


@pass_environment
def rendered_once(environment: Environment, macro: Any, content: Any, *args: Any) -> Any:
    """The macro's output for ``(content, *args)``, rendered once per environment."""
    memo = environment.__dict__.get(MEMO)
    if memo is None:
        memo = environment.__dict__[MEMO] = {}
    code = getattr(getattr(macro, "_func", None), "__code__", None) or macro
    key = (code, id(content), args)
    found = memo.get(key)
    if found is None:
        found = memo[key] = (kept_or_rendered(macro, code, content, args), content)
    return found[0]


def kept_or_rendered(macro: Any, code: Any, content: Any, args: tuple) -> Any:
    """The macro's output, from the build's kept renderings when they have it."""
    kept = KEPT[0] if KEPT else None
    place = kept.place(macro, code, content, args) if kept is not None else None
    if place is None:
        return macro(content, *args)
    found = kept.get(place)
    if found is not None:
        return found
    markup = macro(content, *args)
    kept.put(place, markup)
    return markup


class KeptRenderings:
    """Macro outputs kept between builds in `shards` pickles under `folder`.

    An entry is found by the content's source path, the macro (its template file, its
    place in the compiled code and its name) and the other arguments, and holds the
    content's ``fingerprint`` when it was made: a different fingerprint is a miss, and
    the new markup replaces the old. A content whose fingerprint is None, without a
    source path, or called with an argument that is not a plain value, is never kept.
    ``save`` writes the shards that changed, dropping the entries of source files that
    no longer exist, so the store holds about one entry per story and macro."""

    def __init__(self, folder: Path, fingerprint: Callable[[Any], str | None], shards: int = 16):
        self.folder = folder
        self.fingerprint = fingerprint
        self.shards: list[dict | None] = [None] * shards
        self.changed: set[int] = set()
        self.numbers: dict[str, int] = {}  # source path -> its shard's number

    def place(self, macro: Any, code: Any, content: Any, args: tuple) -> tuple | None:
        """Where the rendering is kept and with what fingerprint, or None if it is not."""
        path = getattr(content, "source_path", None)
        if not isinstance(path, str) or not hasattr(code, "co_filename"):
            return None
        if not all(isinstance(arg, PLAIN) for arg in args):
            return None
        fingerprint = self.fingerprint(content)
        if fingerprint is None:
            return None
        name = (path, code.co_filename, code.co_firstlineno, getattr(macro, "name", ""), args)
        return name, fingerprint

    def _shard(self, path: str) -> int:
        number = self.numbers.get(path)
        if number is None:
            number = zlib.crc32(path.encode("utf-8", "surrogatepass")) % len(self.shards)
            self.numbers[path] = number
        if self.shards[number] is None:
            self.shards[number] = load_kept(self._path(number))
        return number

    def load_all(self) -> None:
        """Read every shard now (before forking writers, which then share them)."""
        for number, entries in enumerate(self.shards):
            if entries is None:
                self.shards[number] = load_kept(self._path(number))

    def _path(self, number: int) -> Path:
        return self.folder / f"{number:02d}.pickle"

    def get(self, place: tuple) -> Any:
        name, fingerprint = place
        entry = self.shards[self._shard(name[0])].get(name)
        if entry is None or entry[0] != fingerprint:
            return None
        return Markup(entry[1]) if entry[2] else entry[1]

    def put(self, place: tuple, markup: Any) -> None:
        name, fingerprint = place
        number = self._shard(name[0])
        self.shards[number][name] = (fingerprint, str(markup), isinstance(markup, Markup))
        self.changed.add(number)

    def save(self) -> None:
        """Write the shards this build changed or that name a source file now gone."""
        for number, entries in enumerate(self.shards):
            if entries is None:
                continue
            paths = {name[0] for name in entries}
            gone = {path for path in paths if not os.path.exists(path)}
            if gone:
                for name in [name for name in entries if name[0] in gone]:
                    del entries[name]
                self.changed.add(number)
            if number in self.changed:
                data = pickle.dumps((code_version(), entries), protocol=PICKLE_PROTOCOL)
                write_atomically(self._path(number), data)
        self.changed.clear()
