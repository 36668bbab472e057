"""Certificate fonts: DejaVu read once per process, a subset for each document cut in bytes.

fpdf2 re-ran the fontTools subsetter on every document, about half of a render. Here fontTools
reads each font file once (cmap, widths, metrics, the raw glyph table); a document's subset is
then a few dozen glyphs copied out of that table and renumbered, and a TrueType file assembled
around them. Any letter the full fonts can draw is drawn, so there is no slower fallback path.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# Composite glyph record flags (OpenType 'glyf' table).
_ARGS_ARE_WORDS = 0x0001
_HAVE_SCALE = 0x0008
_MORE_COMPONENTS = 0x0020
_HAVE_XY_SCALE = 0x0040
_HAVE_2X2 = 0x0080
_HAVE_INSTRUCTIONS = 0x0100


@dataclass(frozen=True, eq=False)  # hashed by identity: one per style and process
class Face:
    """One font file as the renderer needs it: metrics for layout, glyphs for embedding."""

    name: str  # PostScript name
    path: Path  # the font file
    widths: dict[int, int]  # code point -> advance in 1/1000 em, rounded as fpdf2 did
    missing_width: int  # advance of a letter the font lacks (.notdef)
    gid_of: dict[int, int]  # code point -> glyph id
    metrics: tuple[tuple[int, int], ...]  # per glyph id: (advance, left side bearing)
    glyf: bytes  # the raw 'glyf' table
    loca: tuple[int, ...]  # glyph id -> offset in glyf, one more entry than glyphs
    tables: dict[str, bytes]  # head, hhea, maxp, OS/2 as in the file
    descriptor: str  # the PDF font descriptor's fixed entries
    scale: float  # 1000 / unitsPerEm

    def width(self, text: str, size: float) -> float:
        """The width of `text` at `size` pt, in pt."""
        widths, missing = self.widths, self.missing_width
        return sum(widths.get(ord(char), missing) for char in text) * size * 0.001


@cache
def face(style: str) -> Face:
    """The DejaVu face of `style` ("" or "B"), read once per process."""
    # From memory: a lazily read font would keep its file open for the process's lifetime.
    data = (FONT_DIR / FONT_FILES[style]).read_bytes()
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    hmtx = font["hmtx"].metrics
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    head, hhea, os2, post = font["head"], font["hhea"], font["OS/2"], font["post"]
    flags = 4 | (0x40 if post.italicAngle else 0) | (0x40000 if os2.usWeightClass >= 600 else 0)
    cap_height = getattr(os2, "sCapHeight", hhea.ascent)  # OS/2 before version 2 lacks it
    stem_v = round(50 + int((os2.usWeightClass / 65) ** 2))
    descriptor = (
        f"/Ascent {round(hhea.ascent * scale)} /Descent {round(hhea.descent * scale)}"
        f" /CapHeight {round(cap_height * scale)} /Flags {flags}"
        f" /FontBBox [{head.xMin * scale:.0f} {head.yMin * scale:.0f}"
        f" {head.xMax * scale:.0f} {head.yMax * scale:.0f}]"
        f" /ItalicAngle {int(post.italicAngle)} /StemV {stem_v}"
    )
    missing = round(scale * hmtx[".notdef"][0])
    return Face(
        name=font["name"].getDebugName(6),
        path=FONT_DIR / FONT_FILES[style],
        widths={code: round(scale * hmtx[name][0] + 0.001) for code, name in cmap.items()},
        missing_width=missing,
        gid_of={code: order[name] for code, name in cmap.items()},
        metrics=tuple(hmtx[name] for name in font.getGlyphOrder()),
        glyf=font.reader["glyf"],
        loca=tuple(font["loca"].locations),
        tables={tag: font.reader[tag] for tag in ("head", "hhea", "maxp", "OS/2")},
        descriptor=descriptor + f" /MissingWidth {missing}",
        scale=scale,
    )


@lru_cache(maxsize=4096)
def _stripped(face: Face, gid: int) -> bytes:
    """Glyph `gid`'s outline without hinting instructions (no fpgm/prep is embedded)."""
    return _glyph_without_hinting(face.glyf[face.loca[gid] : face.loca[gid + 1]])


def _components(data: bytes) -> list[int]:
    """Offsets of the component glyph ids in a composite glyph's records."""
    offsets, at, flags = [], 10, _MORE_COMPONENTS
    while flags & _MORE_COMPONENTS:
        flags = struct.unpack_from(">H", data, at)[0]
        offsets.append(at + 2)
        at += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        at += (
            8
            if flags & _HAVE_2X2
            else 4
            if flags & _HAVE_XY_SCALE
            else 2
            if flags & _HAVE_SCALE
            else 0
        )
    return offsets


def _glyph_without_hinting(data: bytes) -> bytes:
    """A glyph's bytes with its instructions removed (simple) or no longer announced (composite)."""
    if not data:
        return data
    contours = struct.unpack_from(">h", data)[0]
    if contours >= 0:
        at = 10 + 2 * contours
        length = struct.unpack_from(">H", data, at)[0]
        return data[:at] + b"\0\0" + data[at + 2 + length :]
    out = bytearray(data)
    offsets = _components(data)
    for offset in offsets:
        flags = struct.unpack_from(">H", out, offset - 2)[0]
        struct.pack_into(">H", out, offset - 2, flags & ~_HAVE_INSTRUCTIONS)
    flags = struct.unpack_from(">H", data, offsets[-1] - 2)[0]
    end = offsets[-1] + 2 + (4 if flags & _ARGS_ARE_WORDS else 2)
    end += (
        8 if flags & _HAVE_2X2 else 4 if flags & _HAVE_XY_SCALE else 2 if flags & _HAVE_SCALE else 0
    )
    return bytes(out[:end])


class Subset:
    """The glyphs one document uses of a face, numbered in order of first use (0 is .notdef)."""

    def __init__(self, face: Face) -> None:
        """An empty subset of `face`."""
        self.face = face
        self.gids = [0]  # glyph ids in the font, by subset id
        self.new_id: dict[int, int] = {0: 0}  # glyph id in the font -> id in the subset
        self.text_of: dict[int, str] = {}  # subset id -> the text it stands for (ToUnicode)

    def encode(self, text: str) -> str:
        """`text` as a hex string of two-byte subset ids (Identity-H), adding its glyphs."""
        gid_of, new_id, text_of = self.face.gid_of, self.new_id, self.text_of
        out = []
        for char in text:
            gid = gid_of.get(ord(char), 0)
            sid = new_id.get(gid)
            if sid is None:
                sid = self._add(gid)
                text_of[sid] = char
            out.append(sid)
        return struct.pack(f">{len(out)}H", *out).hex()

    def _add(self, gid: int) -> int:
        """Give glyph `gid` the next subset id."""
        sid = self.new_id[gid] = len(self.gids)
        self.gids.append(gid)
        return sid

    def tag(self) -> str:
        """The six-letter subset tag, derived from the glyphs so equal subsets share it."""
        digest = hashlib.sha256(repr(self.gids).encode()).digest()
        return "".join(chr(65 + byte % 26) for byte in digest[:6])

    def widths(self) -> str:
        """The CIDFont /W array: each subset id's advance in 1/1000 em."""
        metrics, scale = self.face.metrics, self.face.scale
        return "[0 [" + " ".join(str(round(metrics[gid][0] * scale)) for gid in self.gids) + "]]"

    def to_unicode(self) -> bytes:
        """The ToUnicode CMap: which text each subset id stands for, so text can be copied."""
        pairs = "\n".join(
            f"<{sid:04X}> <{text.encode('utf-16-be').hex().upper()}>"
            for sid, text in sorted(self.text_of.items())
        )
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{len(self.text_of)} beginbfchar\n{pairs}\nendbfchar\n"
            "endcmap\nCMapName currentdict /CIDResource defineresource pop\nend\nend\n"
        ).encode()

    def font_file(self) -> bytes:
        """A TrueType file holding just this subset's glyphs (and their components), renumbered."""
        glyphs = self._glyphs()  # first: components add glyph ids
        metrics = self.face.metrics
        loca, offset = [0], 0
        for glyph in glyphs:
            offset += len(glyph)
            loca.append(offset)
        tables = dict(self.face.tables)
        count = len(glyphs)
        # head: checkSumAdjustment zeroed (set below), long offsets in loca.
        tables["head"] = tables["head"][:8] + b"\0\0\0\0" + tables["head"][12:50] + b"\0\1\0\0"
        tables["hhea"] = tables["hhea"][:34] + struct.pack(">H", count)
        tables["maxp"] = tables["maxp"][:4] + struct.pack(">H", count) + tables["maxp"][6:]
        tables["hmtx"] = b"".join(struct.pack(">Hh", *metrics[gid]) for gid in self.gids)
        tables["loca"] = struct.pack(f">{len(loca)}I", *loca)
        tables["glyf"] = b"".join(glyphs)
        # post version 3: no glyph names; the rest of its header as in the file.
        tables["post"] = b"\0\3\0\0" + b"\0" * 28
        return _sfnt(tables)

    def _glyphs(self) -> list[bytes]:
        """The subset's glyph bytes in subset order, components pulled in and renumbered."""
        glyphs: list[bytes] = []
        for gid in self.gids:  # grows while it is walked, as components are found
            data = _stripped(self.face, gid)
            if data and struct.unpack_from(">h", data)[0] < 0:
                out = bytearray(data)
                for offset in _components(data):
                    component = struct.unpack_from(">H", data, offset)[0]
                    sid = self.new_id.get(component)
                    struct.pack_into(
                        ">H", out, offset, self._add(component) if sid is None else sid
                    )
                data = bytes(out)
            glyphs.append(data + b"\0" * (-len(data) % 4))
        return glyphs


def _checksum(data: bytes) -> int:
    """The OpenType checksum: the sum of big-endian uint32s, zero-padded, modulo 2**32."""
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _sfnt(tables: dict[str, bytes]) -> bytes:
    """A TrueType file of `tables`, with the directory, checksums and head's adjustment."""
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16
    )
    offset = 12 + 16 * count
    directory, body = [], []
    for tag in tags:
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag.encode(), _checksum(data), offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    font = bytearray(header + b"".join(directory) + b"".join(body))
    head_at = 12 + 16 * count + sum(len(b) for t, b in zip(tags, body, strict=True) if t < "head")
    struct.pack_into(">I", font, head_at + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)
