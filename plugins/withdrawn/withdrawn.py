"""Withdraw a story: ``Status: unpublished`` takes it off the site and leaves a notice
at its URL.

Pelican knows no ``unpublished`` status (it would skip the file with an error), so
this plugin maps it as the file is read, before the article object exists:

1. ``Status: unpublished`` (any case) becomes Pelican's ``hidden``: the article is
   written at its usual ``ARTICLE_URL`` (from its date and slug) and listed nowhere
   (home, archives, tag, category and source pages, feeds, sitemap);
2. its template becomes ``withdrawn`` (``theme/templates/withdrawn.html``): the
   headline, "This story has been withdrawn", the day it was withdrawn when the
   curator wrote a ``Withdrawn_on`` date (not ``Modified``, which the importer takes
   from the outlet's own update time), the curator's ``Withdrawn_reason`` (plain
   text) when it has one, and a link to the home page; ``noindex``, and nothing Pagefind
   indexes;
3. it is marked ``withdrawn`` (``article.withdrawn is True``), which the other
   plugins read: ``redirects`` keeps its ``Previous_slugs`` leading to the notice,
   ``related_stories`` gives it no links (it is never linked, being unpublished),
   and ``digests`` shows it in an issue that listed it as "<headline> (withdrawn)",
   linked to the notice, with no summary, source, tags or note, so a published
   issue still builds;
4. its body and ``Summary`` are dropped as the article is made, so no template,
   feed or plugin can put the withdrawn text in any output file.

A curator's own ``Withdrawn`` header is ignored: the key belongs to this plugin.
Other statuses (published, draft, hidden) are left as they are.

Signals. ``article_generator_context`` (the metadata, before the article is built)
and ``content_object_init`` (the body). Pelican's signals are process-global, so
both handlers do nothing unless ``withdrawn`` is in the running build's ``PLUGINS``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping

from pelican import signals
from pelican.utils import get_date

from broadsheet.plugins import plugin_listed

PLUGIN_NAME = "withdrawn"
WITHDRAWN_STATUS = "unpublished"
PELICAN_STATUS = "hidden"
TEMPLATE = "withdrawn"
MARK = "withdrawn"  # the metadata key, and so the article attribute
WITHDRAWN_ON = "withdrawn_on"  # the curator's date of withdrawal, shown on the notice
log = logging.getLogger(__name__)


def plugin_enabled(settings: Mapping) -> bool:
    """True when the running build lists this plugin (by name or as a module)."""
    return plugin_listed(settings, PLUGIN_NAME)


def is_withdrawn_status(status: object) -> bool:
    """True for ``Status: unpublished``, in any case and spacing."""
    return isinstance(status, str) and status.strip().lower() == WITHDRAWN_STATUS


def mark_withdrawn(metadata: MutableMapping) -> bool:
    """Turn an unpublished article's metadata into a hidden, withdrawn one; True when it was.

    Any other article loses a hand-written ``withdrawn`` key, which only this plugin sets.
    """
    if not is_withdrawn_status(metadata.get("status")):
        metadata.pop(MARK, None)
        return False
    metadata["status"] = PELICAN_STATUS
    metadata["template"] = TEMPLATE
    metadata[MARK] = True
    metadata.pop("summary", None)
    when = metadata.get(WITHDRAWN_ON)
    if isinstance(when, str):
        try:
            metadata[WITHDRAWN_ON] = get_date(when)
        except ValueError:
            log.warning("withdrawn: Withdrawn_on %r is not a date; the notice shows none", when)
            metadata.pop(WITHDRAWN_ON)
    return True


def map_unpublished_status(article_generator, metadata: MutableMapping) -> None:
    """article_generator_context: ``Status: unpublished`` -> hidden, withdrawn."""
    if plugin_enabled(article_generator.settings):
        mark_withdrawn(metadata)


def drop_withdrawn_body(content) -> None:
    """content_object_init: a withdrawn article keeps no body."""
    settings = getattr(content, "settings", None)
    if not isinstance(settings, Mapping) or not plugin_enabled(settings):
        return
    if getattr(content, "metadata", {}).get(MARK) is True:
        content._content = ""


def register() -> None:
    """Connect the status mapping and the body drop to Pelican."""
    signals.article_generator_context.connect(map_unpublished_status)
    signals.content_object_init.connect(drop_withdrawn_body)
