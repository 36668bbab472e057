"""The bytes of a one-page PDF: objects, fonts as Type0/CIDFontType2 subsets, xref, trailer.

A PDF writer for exactly what a certificate needs, so that a document costs the few
milliseconds of its own content rather than a general library's per-document machinery.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from datetime import datetime

from certificates.pdf_font import Subset

PAGE_W_PT, PAGE_H_PT = 841.89, 595.28  # A4 landscape, as fpdf2 sized it


def text_string(text: str) -> str:
    """A PDF text string that holds any letter: UTF-16BE with a byte order mark, in hex."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _stream(dictionary: str, data: bytes, *, raw_length: bool = False) -> bytes:
    """A FlateDecode stream object's body (`/Length1`, the inflated size, for font files)."""
    packed = zlib.compress(data)
    length1 = f" /Length1 {len(data)}" if raw_length else ""
    head = f"<< {dictionary} /Filter /FlateDecode /Length {len(packed)}{length1} >>\nstream\n"
    return head.encode() + packed + b"\nendstream"


def _font_objects(resource: str, subset: Subset, first: int) -> list[bytes]:
    """The five objects of one embedded font, numbered from `first`: Type0 to ToUnicode."""
    face = subset.face
    name = f"/{subset.tag()}+{face.name}"
    return [
        (
            f"<< /Type /Font /Subtype /Type0 /BaseFont {name} /Encoding /Identity-H"
            f" /DescendantFonts [{first + 1} 0 R] /ToUnicode {first + 4} 0 R >>"
        ).encode(),
        (
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont {name}"
            " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            f" /FontDescriptor {first + 2} 0 R /DW {face.missing_width} /W {subset.widths()}"
            " /CIDToGIDMap /Identity >>"
        ).encode(),
        (
            f"<< /Type /FontDescriptor /FontName {name} {face.descriptor}"
            f" /FontFile2 {first + 3} 0 R >>"
        ).encode(),
        _stream("", subset.font_file(), raw_length=True),
        _stream("", subset.to_unicode()),
    ]


def document(
    content: str, fonts: Sequence[tuple[str, Subset]], info: dict[str, str], language: str
) -> bytes:
    """The whole file: one page drawing `content` with `fonts` (resource name, subset)."""
    font_refs = " ".join(f"/{resource} {5 + 5 * i} 0 R" for i, (resource, _) in enumerate(fonts))
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R /Lang ({language}) >>".encode(),
        (
            f"<< /Type /Pages /Kids [3 0 R] /Count 1"
            f" /MediaBox [0 0 {PAGE_W_PT:.2f} {PAGE_H_PT:.2f}] >>"
        ).encode(),
        (
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R"
            f" /Resources << /Font << {font_refs} >> /ProcSet [/PDF /Text] >> >>"
        ).encode(),
        _stream("", content.encode("ascii")),
    ]
    for resource, subset in fonts:
        objects += _font_objects(resource, subset, len(objects) + 1)
    objects.append(("<< " + " ".join(f"/{k} {v}" for k, v in info.items()) + " >>").encode())
    return _file(objects)


def _file(objects: list[bytes]) -> bytes:
    """Header, numbered objects, cross-reference table and trailer (the last object is /Info)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    # The file identifier is a digest of the content, so the same data gives the same bytes.
    digest = hashlib.md5(out, usedforsecurity=False).hexdigest().upper()
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R"
        f" /ID [<{digest}> <{digest}>] >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def pdf_date(moment: datetime) -> str:
    """A PDF date string of a UTC moment."""
    return f"({moment:D:%Y%m%d%H%M%SZ})"
