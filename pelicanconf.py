"""Pelican settings for local builds: relative URLs, drafts visible."""

from broadsheet.images import lead_image_size
from broadsheet.reader import first_paragraph, reading_time
from broadsheet.sanitize import outlet_mentions, safe_url
from broadsheet.seo import absolute_url, http_url, news_article_ld
from broadsheet.templating import rendered_once

SITENAME = "Broadsheet"
SITESUBTITLE = "Curated news digests"
# Every page's <meta name="description"> and og:description, but an article's (its
# Summary) and a digest issue's (its summary).
SITEDESCRIPTION = (
    "Broadsheet: curated digests of the week's news, each story linked to its original source."
)
SITEURL = ""
RELATIVE_URLS = True
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]  # lead images `import` keeps: images/YYYY/MM/<slug>.<ext>
IGNORE_FILES = [".#*", "*.lock"]
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "News"
DEFAULT_METADATA = {}
SLUGIFY_SOURCE = "basename"


def newest_first(article) -> tuple:
    """ARTICLE_ORDER_BY: newest first; one day's articles (all at midnight when Date is
    a day) by source path, then slug."""
    return (-article.date.timestamp(), article.source_path or "", getattr(article, "slug", ""))


# Every listing follows ARTICLE_ORDER_BY: home, archives (Pelican sorts them by date
# alone, keeping this order within a date, NEWEST_FIRST_ARCHIVES or not), tag, category
# and source pages. Pelican's "reversed-date" leaves same-date articles in the order
# files were found, which follows Python's string hashing: two builds of the same
# content would list them differently.
ARTICLE_ORDER_BY = newest_first

ARTICLE_URL = "{date:%Y}/{date:%m}/{slug}.html"
ARTICLE_SAVE_AS = ARTICLE_URL
DRAFT_URL = "drafts/{slug}.html"
DRAFT_SAVE_AS = DRAFT_URL
PAGE_URL = "{slug}.html"
PAGE_SAVE_AS = PAGE_URL
TAG_URL = "tag/{slug}.html"
TAG_SAVE_AS = TAG_URL
CATEGORY_URL = "category/{slug}.html"
CATEGORY_SAVE_AS = CATEGORY_URL
# Lang is metadata, not a translation: every article keeps ARTICLE_URL whatever its
# language (Pelican would otherwise save non-DEFAULT_LANG articles as {slug}-{lang}.html
# at the site root), and same-slug articles are never merged as translations.
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ARTICLE_SAVE_AS
DRAFT_LANG_URL = DRAFT_URL
DRAFT_LANG_SAVE_AS = DRAFT_SAVE_AS
PAGE_LANG_URL = PAGE_URL
PAGE_LANG_SAVE_AS = PAGE_SAVE_AS
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = "archives.html"
YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"
MONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"
DEFAULT_PAGINATION = 20

THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "build_speed",
    "render_cache",
    "feeds",
    "safe_html",
    "redirects",
    "withdrawn",
    "autotag",
    "related_stories",
    "digests",
    "seo",
    "sources",
    "fast_markdown",
    "parallel_read",
    "parallel_write",
]

# plugins/build_speed: Pelican 4.12's tag, category, author and period-archive listings
# without their quadratic scans, and each article's and page's url and save_as computed
# once when the writing starts (replaced methods; the same output, byte for byte).
# No settings.

# plugins/fast_markdown: the importer's plain Markdown (paragraphs, subheadings, quotes,
# lists) turned into Python-Markdown's very HTML without Python-Markdown
# (broadsheet.fastmd); anything else, and any other MARKDOWN setting, read by Pelican's
# own reader. No settings.

# plugins/parallel_read: the articles' Markdown read in forked worker processes before
# Pelican reads them (the same reader, the same output); it then finds each one read.
READ_PROCESSES = None  # None: one per CPU; 1 turns it off
READ_PARALLEL_MIN_FILES = 200  # fewer files to read than this: Pelican reads them alone

# plugins/parallel_write: the article pages dealt out to processes forked once the
# context is built (the same pages, byte for byte); they hand back what they wrote.
WRITE_PROCESSES = None  # None: one per CPU, at most 4; 1 turns it off
WRITE_PARALLEL_MIN_PAGES = 200  # fewer article pages than this: written in one process

# plugins/autotag: hand tags, then tags from the vocabulary, then names found in the
# text (broadsheet.entities), at most AUTOTAG_MAX beyond the hand tags.
AUTOTAG_VOCABULARY = "tags.yml"  # in PATH
AUTOTAG_MAX = 6
AUTOTAG_MIN_SCORE = 0.0
AUTOTAG_KINDS = None  # all of place, person, organisation, name
AUTOTAG_PROCESSES = None  # reading 500+ articles: one process per CPU (at most 4); 1: here

# plugins/related_stories: under each article, the published articles to read next
# (broadsheet.related): curator pins (Related:) first, then the best scores down to
# the minimum; syndicated copies (Also_reported_by) and Not_related: slugs never.
RELATED_STORIES_MAX = 5  # links per article, pins included; 0 shows none
RELATED_STORIES_MIN_SCORE = 0.2  # the lowest score linked
RELATED_STORIES_HALF_LIFE_DAYS = 30.0  # days apart at which age costs a link 15 %

# plugins/digests: the curator's issues in content/digests/ (format: broadsheet.digests),
# one page each, an archive by year and month, the latest published issue on the home
# page, and "Featured in" on the articles they list. Draft issues are built in this
# preview only, marked Draft and listed in the archive, never on the home page;
# publishconf turns them off.
DIGESTS_PATH = "digests"  # in PATH; Pelican itself never reads it (ARTICLE_PATHS)
DIGESTS_DRAFTS = True
DIGESTS_ISSUE_URL = "digests/{date:%Y}/{date:%m}/{slug}.html"
DIGESTS_ISSUE_SAVE_AS = DIGESTS_ISSUE_URL
DIGESTS_ARCHIVE_URL = "digests/index.html"
DIGESTS_ARCHIVE_SAVE_AS = DIGESTS_ARCHIVE_URL

# plugins/sources: a page per outlet (Source metadata, slugified as tags are), its
# published articles newest first, and an index with counts; article pages and story
# cards link the outlet's name to its page. An outlet whose content/sources.yml entry
# says full_text: false gets, on its article pages, the summary and "Read the full
# story at <Outlet>" instead of the body (as in the feeds); Pagefind indexes the summary.
SOURCE_URL = "source/{slug}.html"
SOURCE_SAVE_AS = SOURCE_URL
SOURCES_URL = "sources.html"
SOURCES_SAVE_AS = SOURCES_URL

# plugins/withdrawn: an article with Status: unpublished leaves the site (every list,
# feed, the sitemap, related stories, search) and its URL shows a "withdrawn" notice
# (theme/templates/withdrawn.html: the headline, an optional Withdrawn_on date and
# Withdrawn_reason; noindex). Its Previous_slugs still redirect there, and a digest
# that listed it shows "<headline> (withdrawn)". No settings.

# theme: an article's lead image is shown from the site's own copy (Image: images/…, kept
# by `import` in content/images/). An Image still on the outlet's site is not embedded, so
# no page makes a request to another site: the article shows the caption and a link to
# the photo instead. True embeds it from the outlet (hotlinking: the outlet sees every
# reader, and the picture breaks when the outlet moves it).
LEAD_IMAGE_HOTLINK = False

# Metadata is plain text and the theme escapes it all: only bodies and summaries,
# sanitised by plugins/safe_html, are marked |safe in the templates. Metadata URLs go
# in href/src only through |safe_url (absolute http, https or mailto, else nothing).
# Templates are read once per build: Pelican makes a new environment for each build, so
# checking every template's modification time on each page (auto_reload) buys nothing.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    "autoescape": True,
    "auto_reload": False,
}
JINJA_FILTERS = {
    "safe_url": safe_url,
    "outlet_mentions": outlet_mentions,
    "absolute_url": absolute_url,
    "http_url": http_url,
    "news_article_ld": news_article_ld,
    # broadsheet.reader: "4 min read" at 230 words a minute (READING_WORDS_PER_MINUTE),
    # at least 1; an article's first paragraph, its brief when it has no Summary.
    "reading_time": reading_time,
    "first_paragraph": first_paragraph,
    # broadsheet.images: a kept lead image's (width, height), so its <img> holds its place.
    "lead_image_size": lead_image_size,
    # broadsheet.templating: a story card rendered once per build, however many list
    # pages show it.
    "rendered_once": rendered_once,
}

# One feed system: plugins/feeds writes every feed with feedgen.
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
FEED_ATOM = None
FEED_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

# Feed URLs need an absolute base even in a local build; publishconf overrides it.
FEEDS_SITEURL = "http://127.0.0.1:8000"
FEEDS_ATOM_PATH = "feeds/all.atom.xml"
FEEDS_RSS_PATH = "feeds/all.rss.xml"
FEEDS_JSON_PATH = "feeds/all.json"
FEEDS_MAX_ITEMS = 50
FEEDS_MAX_BYTES = 2_000_000
FEEDS_TAG_ATOM_PATH = "feeds/tag/{slug}.atom.xml"
FEEDS_TAG_RSS_PATH = "feeds/tag/{slug}.rss.xml"
FEEDS_CATEGORY_ATOM_PATH = "feeds/category/{slug}.atom.xml"
FEEDS_CATEGORY_RSS_PATH = "feeds/category/{slug}.rss.xml"
FEEDS_DIGEST_ATOM_PATH = "feeds/digests.atom.xml"
FEEDS_DIGEST_RSS_PATH = "feeds/digests.rss.xml"
FEEDS_OPML_PATH = "feeds/feeds.opml"

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.smarty": {"smart_quotes": False},
    },
    "output_format": "html5",
}
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False

# theme: the Subscribe page (theme/templates/subscribe.html), a direct template that
# lists every feed plugins/feeds writes, from the FEEDS_* settings; every page's footer
# links to it. Pelican's default list, without authors (AUTHORS_SAVE_AS is off).
DIRECT_TEMPLATES = ["index", "tags", "categories", "archives", "subscribe", "search"]
SUBSCRIBE_URL = "subscribe.html"
SUBSCRIBE_SAVE_AS = SUBSCRIBE_URL

# Search (broadsheet.search): after Pelican, `tasks.py build` runs Pagefind over the
# output, which indexes only article bodies (the theme's data-pagefind-body) into
# output/pagefind/. The Search page (theme/templates/search.html), linked from the nav,
# is the only page that loads its script; without JavaScript it links to the tags and
# the archives. False: no index, and the Search page offers those links alone.
SEARCH_INDEX = True
SEARCH_URL = "search.html"
SEARCH_SAVE_AS = SEARCH_URL

# Readers and search engines (broadsheet.seo, plugins/seo): every page has a description,
# a canonical URL, Open Graph and Twitter card tags; articles add schema.org NewsArticle
# JSON-LD. Canonical, og:url and sitemap URLs are absolute: they use FEEDS_SITEURL (an
# absolute URL in both configurations; a local build's SITEURL is empty), else an
# absolute SITEURL. plugins/seo writes the sitemap (home, articles, pages, published
# digest issues, <lastmod> from Modified or Date), robots.txt naming it, and the 404 page
# (theme/templates/404.html, links from the site root). "" turns one off.
SITEMAP_SAVE_AS = "sitemap.xml"
ROBOTS_SAVE_AS = "robots.txt"
NOT_FOUND_SAVE_AS = "404.html"
