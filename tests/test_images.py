"""broadsheet.images: a kept lead image's size from its file's header, so the article's
<img> carries width and height and the text under it never jumps."""

from __future__ import annotations

import struct
import zlib

import pytest

from broadsheet.images import image_size, raster_size


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    ihdr = struct.pack(">I", 13) + b"IHDR" + header + crc
    return b"\x89PNG\r\n\x1a\n" + ihdr


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    exif = b"\xff\xe1" + struct.pack(">H", 2 + 300) + b"\x00" * 300  # metadata first
    dht = b"\xff\xc4\x00\x04\x00\x00"  # a Huffman table: C4 is no frame
    sof2 = b"\xff\xc2\x00\x11\x08" + struct.pack(">HH", height, width) + b"\x03" + b"\x00" * 9
    return b"\xff\xd8" + app0 + exif + dht + sof2 + b"\xff\xda"


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png(720, 480), (720, 480)),
        (jpeg(1600, 900), (1600, 900)),
        (b"GIF89a" + struct.pack("<HH", 300, 200) + b"\x00" * 8, (300, 200)),
        (b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 8 + (639).to_bytes(3, "little")
         + (359).to_bytes(3, "little"), (640, 360)),
        (b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f"
         + ((799) | (599 << 14)).to_bytes(4, "little"), (800, 600)),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', None),
        (b"\xff\xd8\xff\xe0\x00", None),  # a JPEG cut short
        (b"", None),
    ],
)  # fmt: skip
def test_raster_size_reads_the_header(data, size):
    assert raster_size(data) == size


def test_image_size_reads_only_kept_images_under_the_content_folder(tmp_path):
    (tmp_path / "images" / "2025" / "03").mkdir(parents=True)
    (tmp_path / "images" / "2025" / "03" / "ferry.png").write_bytes(png(720, 480))
    assert image_size(tmp_path, "images/2025/03/ferry.png") == (720, 480)
    assert image_size(tmp_path, "images/2025/03/missing.png") is None
    assert image_size(tmp_path, "https://outlet.example/ferry.png") is None
    assert image_size(tmp_path, "images/../../etc/passwd.png") is None
    assert image_size(tmp_path, None) is None
