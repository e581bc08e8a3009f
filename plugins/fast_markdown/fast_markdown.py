"""Read the articles' Markdown without Python-Markdown where its answer is known.

Pelican's MarkdownReader makes a Python-Markdown instance for every file and runs it
over the body and the summary: about 3 ms a story, most of a cold build's reading.
Nearly every story the importer writes is paragraphs, subheadings, quotes, lists, links
and figures, for which `broadsheet.fastmd.read_document` gives Python-Markdown's output
byte for byte in a tenth of the time. This plugin puts `FastMarkdownReader` in place of
Pelican's reader for Markdown files (``readers_init``); it reads each file as Pelican's
does (`pelican_open`) and asks `fastmd` first. For a file `fastmd` does not answer for
(emphasis in running text, raw HTML, tables, footnotes, …; the list is in its
docstring), and for a formatted field it does not answer for, the reader is Pelican's
own, unchanged (the file is then opened a second time, by it). The
metadata go through Pelican's own `_parse_metadata`, so dates, tags, warnings and
everything after the reader are Pelican's.

The reader is put in place only for the configuration `fastmd` is written and tested
for: the MARKDOWN setting `fastmd.MARKDOWN_SETTINGS` (publishconf's and pelicanconf's)
and the Python-Markdown release in `fastmd.PYTHON_MARKDOWN`. Any other setting leaves
Pelican's reader alone. Workers of `parallel_read` use the same reader.

Signal: ``readers_init``; nothing happens unless ``fast_markdown`` is in the running
build's ``PLUGINS``.
"""

from __future__ import annotations

import markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from broadsheet import fastmd
from broadsheet.plugins import plugin_listed

PLUGIN_NAME = "fast_markdown"


class _FormattedFields:
    """What `MarkdownReader._parse_metadata` asks of its Python-Markdown instance, to
    convert the formatted fields (the summary): `fastmd` first, then Python-Markdown
    with the meta extension taken out, as Pelican's reader has it at that point."""

    def __init__(self, settings: dict) -> None:
        self._settings = settings
        self.preprocessors = self  # _parse_metadata deregisters "meta" here first

    def deregister(self, name: str) -> None:
        """Nothing to take out: `fastmd.render_body` reads no metadata."""

    def reset(self) -> None:
        """Nothing kept between fields."""

    def convert(self, text: str) -> str:
        html = fastmd.render_body(text) if text.strip() else ""
        if html is not None:
            return html
        real = markdown.Markdown(**self._settings)
        real.preprocessors.deregister("meta")
        return real.convert(text)


class FastMarkdownReader(MarkdownReader):
    """Pelican's MarkdownReader, answering from `fastmd` where it can."""

    def read(self, source_path):
        with pelican_open(source_path) as text:
            document = fastmd.read_document(text)
        if document is None:
            return super().read(source_path)
        meta, content = document
        self._source_path = source_path
        self._md = _FormattedFields(self.settings["MARKDOWN"])
        return content, self._parse_metadata(meta)


def answers_for(settings) -> bool:
    """True when `fastmd` gives Python-Markdown's answers under these settings."""
    configured = {key: value for key, value in settings["MARKDOWN"].items() if key != "extensions"}
    extensions = settings["MARKDOWN"].get("extensions")
    expected = [*fastmd.MARKDOWN_SETTINGS["extension_configs"], "markdown.extensions.meta"]
    return (
        configured == fastmd.MARKDOWN_SETTINGS
        and (extensions is None or sorted(extensions) == sorted(expected))
        and markdown.__version_info__[:2] == fastmd.PYTHON_MARKDOWN
    )


def use_fast_reader(readers) -> None:
    """readers_init: FastMarkdownReader for the extensions Pelican's reader has."""
    settings = readers.settings
    if not plugin_listed(settings, PLUGIN_NAME) or not answers_for(settings):
        return
    for extension, reader in list(readers.reader_classes.items()):
        if reader is MarkdownReader:
            readers.reader_classes[extension] = FastMarkdownReader


def register() -> None:
    signals.readers_init.connect(use_fast_reader)
