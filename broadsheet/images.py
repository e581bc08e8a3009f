"""The size of the lead images the site keeps (content/images/…), for the theme.

An `<img>` with its width and height lets the browser hold the picture's place before
it arrives, so the text under it never jumps (Lighthouse's layout-shift audits). The
size is read from the image file's own header (PNG, GIF, JPEG, WebP; AVIF and anything
unreadable give none, and the page then leaves the attributes out).
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

from jinja2 import pass_context

from broadsheet.sanitize import site_image_path

HEADER_BYTES = 64 * 1024  # a JPEG's size marker sits after its metadata segments
# JPEG start-of-frame markers: SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC).
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def raster_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels from an image's first bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if marker in _JPEG_FRAMES and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return (width, height) if width and height else None
        at += 2 + length
    return None


@lru_cache(maxsize=4096)
def _file_size(path: Path, stamp: tuple[int, int]) -> tuple[int, int] | None:
    try:
        with path.open("rb") as image:
            return raster_size(image.read(HEADER_BYTES))
    except OSError:
        return None


def image_size(content_root: str | Path, image: str | None) -> tuple[int, int] | None:
    """The size of a lead image kept on the site (Image: images/…), read from its file
    under the content folder; None for an outlet's URL or a file that is missing."""
    path_in_site = site_image_path(image)
    if not path_in_site:
        return None
    path = Path(content_root) / path_in_site
    try:
        status = path.stat()
    except OSError:
        return None
    return _file_size(path, (status.st_mtime_ns, status.st_size))


@pass_context
def lead_image_size(context, image: str | None) -> tuple[int, int] | None:
    """The |lead_image_size filter: image_size under the build's PATH."""
    return image_size(context.get("PATH") or ".", image)
