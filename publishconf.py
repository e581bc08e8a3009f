"""Production settings: everything in pelicanconf, then only what differs."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("BROADSHEET_SITEURL", "https://example.org")
RELATIVE_URLS = False
FEEDS_SITEURL = SITEURL
DELETE_OUTPUT_DIRECTORY = True
DIGESTS_DRAFTS = False  # draft issues are previewed, never published

# Pelican's reader cache, for CI (.github/workflows/publish.yml keeps it between runs):
# on when BROADSHEET_CONTENT_CACHE names its folder. Files are compared by content, since
# a fresh checkout gives every file a new modification time.
if os.environ.get("BROADSHEET_CONTENT_CACHE"):
    CACHE_CONTENT = True
    LOAD_CONTENT_CACHE = True
    CACHE_PATH = os.environ["BROADSHEET_CONTENT_CACHE"]
    CHECK_MODIFIED_METHOD = "sha256"
    # Uncompressed: at 10,000 articles gzip made saving it take seconds for a few MB saved.
    GZIP_CACHE = False
