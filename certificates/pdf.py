"""The printable certificate: one A4 landscape page drawn in-process with fpdf2, text selectable."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

import segno
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from certificates.pdf_text import LABELS, CertificateData

__all__ = ["LABELS", "CertificateData", "qr_runs", "render_certificate_pdf"]


FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "dejavu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# What certificates are written in: Latin with Western and Central European letters, the whole
# Cyrillic block (Russian, Ukrainian, Belarusian, Kazakh, Tatar...) and typographic punctuation.
# Anything else the full fonts can draw still works, through the slower full-font path.
COMMON_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x017F),
    (0x0400, 0x04FF),
    (0x2010, 0x203A),
    (0x20AC, 0x20AC),
    (0x2116, 0x2116),
)

MM_PER_PT = 25.4 / 72
LEADING = 1.2
PAGE_W, PAGE_H = 297.0, 210.0
TEXT_X = 30.0
TEXT_W = PAGE_W - 2 * TEXT_X
QR_SIZE = 30.0
RIGHT_EDGE = PAGE_W - TEXT_X

INK = (33, 33, 33)
MUTED = (95, 95, 95)
ACCENT = (28, 53, 94)
REVOKED_RED = (170, 20, 20)

# (font size in pt, most lines allowed at that size), tried in order: the first that fits wins.
Ladder = Sequence[tuple[float, int]]


def _ladder(*steps: tuple[float, float, int]) -> tuple[tuple[float, int], ...]:
    """Sizes from `start` down to `stop` pt in 1 pt steps, each step allowing `lines` lines."""
    return tuple(
        (float(size), lines)
        for start, stop, lines in steps
        for size in range(int(start), int(stop) - 1, -1)
    )


# A name reads best on one line: shrink a lot before wrapping.
NAME_SIZES = _ladder((30, 20, 1), (19, 12, 2), (11, 9, 3))
COURSE_SIZES = _ladder((20, 16, 1), (16, 14, 2), (13, 11, 3), (10, 8, 5))
ORG_SIZES = _ladder((13, 10, 1), (10, 8, 2))
DETAIL_SIZES = _ladder((11, 8, 1), (8, 7, 2))
URL_SIZES = _ladder((7, 5, 1), (5, 5, 3))


@dataclass(frozen=True)
class _PreparedFont:
    """One DejaVu style cut down to COMMON_RANGES, ready to embed cheaply on every call."""

    data: bytes
    covered: frozenset[int]
    available: frozenset[int]


@cache
def _prepared_font(style: str) -> _PreparedFont:
    """Parse and cut down a font once per process: parsing the full TTF was most of a render."""
    font = TTFont(FONT_DIR / FONT_FILES[style], recalcTimestamp=False)
    available = frozenset(font.getBestCmap())
    # Hinting and layout tables are dropped: print does not use hinting and fpdf2 does not shape
    # text unless asked. About 620 glyphs are quick to re-read and subset on every render.
    options = ftsubset.Options(
        hinting=False, layout_features=[], notdef_outline=True, glyph_names=True
    )
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=[u for lo, hi in COMMON_RANGES for u in range(lo, hi + 1)])
    subsetter.subset(font)
    covered = frozenset(font.getBestCmap())
    buffer = io.BytesIO()
    font.save(buffer)
    return _PreparedFont(buffer.getvalue(), covered, available)


def _register_fonts(pdf: FPDF, texts: Iterable[str]) -> None:
    """Make DejaVu regular and bold available, from the cut-down copies when they cover `texts`."""
    needed = {ord(char) for text in texts for char in text}
    prepared = {style: _prepared_font(style) for style in FONT_FILES}
    if any((needed - font.covered) & font.available for font in prepared.values()):
        # A rarer letter (Greek, Armenian, Latin Extended-B...): embed from the full files.
        for style, name in FONT_FILES.items():
            pdf.add_font(FAMILY, style, FONT_DIR / name)
        return
    for style, font in prepared.items():
        pdf.fonts[FAMILY + style] = _embedded_copy(pdf, style, font)


@cache
def _font_template(style: str) -> TTFFont:
    """fpdf2's reading of a cut-down font (widths, cmap, metrics), done once per process."""
    # What add_font() does, minus locating a file: add_font() only takes a path, and the
    # cut-down font lives in memory. Reading the tables took a third of a render.
    return TTFFont(FPDF(), io.BytesIO(_prepared_font(style).data), FAMILY + style, style)


def _embedded_copy(pdf: FPDF, style: str, font: _PreparedFont) -> TTFFont:
    """A per-document copy of the template: shared read-only tables, its own mutable parts."""
    embedded = copy.copy(_font_template(style))
    embedded.i = len(pdf.fonts) + 1
    # output() subsets and saves this TTFont in place, so every document opens its own
    # (lazily: only the tables the subsetter touches are read).
    embedded.ttfont = TTFont(io.BytesIO(font.data), recalcTimestamp=False, lazy=True)
    # The cut-down font's bounding boxes are already right; recomputing them on save would
    # unpack and re-encode every glyph outline, the largest cost left.
    embedded.ttfont.recalcBBoxes = False
    embedded.desc = copy.copy(embedded.desc)  # output() gives the descriptor its object id
    embedded.cw = copy.copy(embedded.cw)  # a defaultdict: looking up a missing letter adds it
    embedded.missing_glyphs = []
    embedded.biggest_size_pt = 0
    embedded.subset = SubsetMap(embedded)
    return embedded


@lru_cache(maxsize=256)
def qr_runs(url: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The URL's QR code: its side in modules and its dark runs as (row, first column, length)."""
    # Cached because choosing the mask is pure-Python work and a certificate is often fetched
    # again (reprint, verification). micro=False: phone cameras rarely read Micro QR; segno
    # would not choose it for a URL of realistic length anyway.
    matrix = segno.make(url, error="m", micro=False).matrix
    runs: list[tuple[int, int, int]] = []
    for row, cells in enumerate(matrix):
        col, side = 0, len(cells)
        while col < side:
            if cells[col]:
                start = col
                while col < side and cells[col]:
                    col += 1
                runs.append((row, start, col - start))
            else:
                col += 1
    return len(matrix), tuple(runs)


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as filled rectangles: vector, crisp at any print resolution."""
    side, runs = qr_runs(url)
    module = size / side
    pdf.set_fill_color(0, 0, 0)
    # One rectangle per horizontal run, not per module: fewer operators, no seams within a row.
    for row, col, length in runs:
        pdf.rect(x + col * module, y + row * module, length * module, module, style="F")


def _fit(pdf: FPDF, text: str, style: str, width: float, sizes: Ladder) -> tuple[float, int]:
    """The first (size, line count) on the ladder at which `text` wraps into few enough lines."""
    pdf.set_font(FAMILY, style, 10)
    usable = width - 2 * pdf.c_margin
    width_at_10 = pdf.get_string_width(text)
    for size, max_lines in sizes:
        needed = width_at_10 * size / 10
        if needed <= usable:
            return size, 1
        # Wrapping is the costly part: only try it where the text could possibly fit.
        if max_lines > 1 and needed <= usable * max_lines:
            lines = _wrapped_lines(pdf, text, style, size, width)
            if lines <= max_lines:
                return size, lines
    size = sizes[-1][0]
    return size, _wrapped_lines(pdf, text, style, size, width)


def _wrapped_lines(pdf: FPDF, text: str, style: str, size: float, width: float) -> int:
    """How many lines multi_cell() would wrap `text` into at this size."""
    pdf.set_font(FAMILY, style, size)
    return len(pdf.multi_cell(width, text=text, dry_run=True, output=MethodReturnValue.LINES))


def _block(
    pdf: FPDF,
    text: str,
    *,
    style: str,
    sizes: Ladder,
    top: float,
    height: float,
    x: float = TEXT_X,
    width: float = TEXT_W,
    align: Align = Align.C,
    color: tuple[int, int, int] = INK,
) -> None:
    """Write `text` fitted to the box, centred vertically in it."""
    size, lines = _fit(pdf, text, style, width, sizes)
    line_height = size * MM_PER_PT * LEADING
    y = top + max(0.0, (height - lines * line_height) / 2)
    pdf.set_font(FAMILY, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(x, y)
    if lines == 1:
        pdf.cell(width, line_height, text, align=align)
    else:
        pdf.multi_cell(width, line_height, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _labelled(pdf: FPDF, label: str, value: str, *, y: float, width: float) -> None:
    """A details line, "Label: value", with the value in bold and shrunk if it is long."""
    size = DETAIL_SIZES[0][0]
    pdf.set_font(FAMILY, "", size)
    pdf.set_text_color(*MUTED)
    label_width = pdf.get_string_width(label + " ") + 2 * pdf.c_margin
    pdf.set_xy(TEXT_X, y)
    pdf.cell(label_width, size * MM_PER_PT * LEADING, label)
    _block(
        pdf,
        value,
        style="B",
        sizes=DETAIL_SIZES,
        top=y,
        height=size * MM_PER_PT * LEADING,
        x=TEXT_X + label_width - 2 * pdf.c_margin,
        width=width - label_width + 2 * pdf.c_margin,
        align=Align.L,
    )


def _clean(text: str) -> str:
    """Single spaces only: stray tabs or line breaks would print as boxes or break the layout."""
    return " ".join(text.split())


def render_certificate_pdf(data: CertificateData) -> bytes:
    """The certificate as PDF bytes; the same data always gives the same bytes."""
    try:
        labels = LABELS[data.language]
    except KeyError:
        raise ValueError(f"no certificate labels for language {data.language!r}") from None
    name, course = _clean(data.holder_name), _clean(data.course_title)
    organization, trainer = _clean(data.organization), _clean(data.trainer_name)
    hours = _clean(data.duration)
    issued = data.issued_on.strftime(labels["date"])
    expires = data.expires_on.strftime(labels["date"]) if data.expires_on else ""
    verify = f"{labels['verify']} {data.verify_url}"

    pdf = _document(data, organization)
    texts = (*labels.values(), name, course, organization, trainer, hours, issued, expires, verify)
    _register_fonts(pdf, (*texts, data.code))
    pdf.add_page()
    _draw_heading(pdf, labels, organization, name, course)
    if data.revoked:
        sizes = ((30, 1),)
        _block(
            pdf, labels["revoked"], style="B", sizes=sizes, top=133, height=13, color=REVOKED_RED
        )
    # Details, bottom left; kept clear of the QR code's column and its quiet zone.
    details = [(labels["duration"], hours), (labels["issued"], issued)]
    if expires:
        details.append((labels["expires"], expires))
    details.append((labels["trainer"], trainer))
    details_width = 130.0
    y = 176 - 7 * len(details)
    for label, value in details:
        _labelled(pdf, label, value, y=y, width=details_width)
        y += 7
    _draw_verification(pdf, data, verify, TEXT_X + details_width + 10)
    return bytes(pdf.output())


def _document(data: CertificateData, organization: str) -> FPDF:
    """An empty A4 landscape document with the certificate's metadata."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    # Everything is placed explicitly; an automatic page break could only add a stray page.
    pdf.set_auto_page_break(False)
    pdf.set_margins(TEXT_X, 0)
    pdf.set_title(f"Certificate {data.code}")
    pdf.set_author(organization)
    pdf.set_creator("union-training")
    pdf.set_lang(data.language)
    # A fixed date (noon UTC, the same calendar day everywhere) instead of "now": the same data
    # must give the same bytes. fpdf2's document ID is a hash of the content, not random.
    pdf.set_creation_date(
        datetime(data.issued_on.year, data.issued_on.month, data.issued_on.day, 12, tzinfo=UTC)
    )
    return pdf


def _draw_heading(
    pdf: FPDF, labels: dict[str, str], organization: str, name: str, course: str
) -> None:
    """The frame, then organization, title, holder and course down the middle of the page."""
    # Frame: a thin line with a hairline inside it, sober and printer-friendly.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.rect(10, 10, PAGE_W - 20, PAGE_H - 20)
    pdf.set_line_width(0.2)
    pdf.rect(12.5, 12.5, PAGE_W - 25, PAGE_H - 25)

    _block(pdf, organization, style="", sizes=ORG_SIZES, top=22, height=12, color=MUTED)
    _block(pdf, labels["title"], style="B", sizes=((40, 1),), top=37, height=17, color=ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(PAGE_W / 2 - 20, 57, PAGE_W / 2 + 20, 57)
    _block(pdf, labels["certifies"], style="", sizes=((13, 1),), top=61, height=7, color=MUTED)
    _block(pdf, name, style="B", sizes=NAME_SIZES, top=69, height=25)
    _block(pdf, labels["completed"], style="", sizes=((13, 1),), top=95, height=7, color=MUTED)
    _block(pdf, course, style="", sizes=COURSE_SIZES, top=103, height=30, color=ACCENT)


def _draw_verification(pdf: FPDF, data: CertificateData, verify: str, right_x: float) -> None:
    """Bottom right: QR code, the code in bold under it, then the address in small type."""
    qr_top = 140.0
    _draw_qr(pdf, data.verify_url, RIGHT_EDGE - QR_SIZE, qr_top, QR_SIZE)
    right_w = RIGHT_EDGE - right_x
    code_top = qr_top + QR_SIZE + 2
    pdf.set_font(FAMILY, "B", 12)
    pdf.set_text_color(*ACCENT)
    pdf.set_xy(right_x, code_top)
    pdf.cell(right_w + pdf.c_margin, 12 * MM_PER_PT * LEADING, data.code, align=Align.R)
    _block(
        pdf,
        verify,
        style="",
        sizes=URL_SIZES,
        top=code_top + 6,
        height=5,
        x=right_x,
        width=right_w + pdf.c_margin,
        align=Align.R,
        color=MUTED,
    )
