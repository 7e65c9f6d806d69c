"""Image files for the branding tests: good logos, and every kind of file a logo upload must refuse."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<image href="file:///etc/passwd"/><script>alert(1)</script></svg>'
)


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def png(width: int = 120, height: int = 40, color: str = "navy") -> bytes:
    return _encode(Image.new("RGB", (width, height), color), "PNG")


def jpeg(width: int = 120, height: int = 40, color: str = "darkred") -> bytes:
    return _encode(Image.new("RGB", (width, height), color), "JPEG")


def gif(width: int = 64, height: int = 64) -> bytes:
    return _encode(Image.new("RGB", (width, height), "navy"), "GIF")


def webp(width: int = 64, height: int = 64) -> bytes:
    return _encode(Image.new("RGB", (width, height), "navy"), "WEBP")


def truncated_png() -> bytes:
    """A real PNG cut off in its image data: the header still reads as a PNG of fine size."""
    data = _encode(Image.effect_noise((200, 200), 64).convert("RGB"), "PNG")
    return data[: len(data) // 2]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims `width` x `height` one-bit pixels (a decompression
    bomb when large: the file is a few hundred bytes, the decoded image would be huge)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * 4096)  # never reached: the size in the header is refused first
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def oversize_png(size: int = 600 * 1024) -> bytes:
    """A valid-looking PNG start padded past the size limit (the size check comes first)."""
    data = png()
    return data + b"\0" * (size - len(data))
