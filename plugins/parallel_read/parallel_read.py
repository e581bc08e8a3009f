"""Read the articles' Markdown in several processes, before Pelican reads them one by one.

Reading (Markdown to HTML, and the header's metadata) is a third of a cold build, and
Pelican does it on one core. When the ArticlesGenerator has been made
(``article_generator_init``) and before it reads anything, this plugin lists the same
files it will read (its own ``get_files`` with ``ARTICLE_PATHS`` and
``ARTICLE_EXCLUDES``), leaves out those its reader cache already holds unchanged, and has
``READ_PROCESSES`` forked workers (default: one per CPU) run the very reader Pelican would
(``MarkdownReader.read``, same settings) on them. The results go into the generator's
``Readers`` cache, stamped as Pelican stamps them, so ``read_file`` then finds each file
read, unchanged since: everything after the reader (metadata defaults, path metadata,
signals, the Article itself) is Pelican's own, in its own order, and the output is the
same byte for byte. With the content cache on (publishconf's
``BROADSHEET_CONTENT_CACHE``) the results are saved with it as Pelican's own would be.

A file a worker cannot read is left to Pelican, which reports it as it always does.
Fewer than ``READ_PARALLEL_MIN_FILES`` files to read (a rebuild after one new story) is
read by Pelican alone: starting processes would cost more than it saves.

Signal: ``article_generator_init``; nothing happens unless ``parallel_read`` is in the
running build's ``PLUGINS``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from pelican import signals
from pelican.readers import _filter_discardable_metadata
from pelican.utils import file_suffix

from broadsheet.plugins import plugin_listed

PLUGIN_NAME = "parallel_read"
MIN_FILES = 200  # READ_PARALLEL_MIN_FILES
CHUNK_FILES = 100  # files a worker reads per task: few enough to share the work evenly
log = logging.getLogger(__name__)

# The generator's Readers, for the forked workers (set just before the fork).
_READERS = None


def read_chunk(jobs: list[tuple[str, str]]) -> list[tuple[str, str, dict]]:
    """In a worker: (path, content, metadata) for each (format, path) the reader reads."""
    done = []
    for fmt, path in jobs:
        try:
            content, metadata = _READERS.readers[fmt].read(path)
        except Exception:  # noqa: BLE001 (Pelican reads it again and reports it)
            continue
        done.append((path, content, _filter_discardable_metadata(metadata)))
    return done


def files_to_read(generator) -> list[tuple[str, str]]:
    """(format, absolute path) of every article file the generator will read that its
    reader cache does not already hold unchanged, in a stable order."""
    settings = generator.settings
    readers = generator.readers
    found = generator.get_files(settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"])
    jobs = []
    for name in sorted(found):
        path = os.path.abspath(os.path.join(generator.path, name))
        fmt = file_suffix(path)
        if fmt in readers.readers and readers.get_cached_data(path, (None, None))[0] is None:
            jobs.append((fmt, path))
    return jobs


def read_in_parallel(generator) -> None:
    """article_generator_init: fill the generator's reader cache from worker processes."""
    global _READERS
    settings = generator.settings
    if not plugin_listed(settings, PLUGIN_NAME):
        return
    workers = int(settings.get("READ_PROCESSES") or os.cpu_count() or 1)
    if workers < 2:
        return
    jobs = files_to_read(generator)
    if len(jobs) < int(settings.get("READ_PARALLEL_MIN_FILES", MIN_FILES)):
        return
    readers = generator.readers
    chunks = [jobs[start : start + CHUNK_FILES] for start in range(0, len(jobs), CHUNK_FILES)]
    _READERS = readers
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for done in pool.map(read_chunk, chunks):
                for path, content, metadata in done:
                    # Stamped as FileStampDataCacher.cache_data stamps it, so read_file's
                    # get_cached_data takes it as this very file, unchanged.
                    readers._cache[path] = (readers._get_file_stamp(path), (content, metadata))
    except Exception as error:  # noqa: BLE001 (Pelican reads whatever is missing itself)
        log.warning(
            "parallel_read: reading in %d processes failed (%s); reading on one", workers, error
        )
    finally:
        _READERS = None


def register() -> None:
    signals.article_generator_init.connect(read_in_parallel)
