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
