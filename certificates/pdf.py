"""The printable certificate: one A4 landscape page, text selectable, fonts embedded as subsets.

Drawn by our own small writer (certificates.pdf_document, certificates.pdf_font) for this one
fixed layout: a first render of a new certificate costs a few milliseconds, where fpdf2 spent
tens on per-document font subsetting and general machinery. The layout rules (sizes, wrapping
at spaces, cell padding and baselines) are fpdf2's, so the page looks as it did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache

from certificates.pdf_document import PAGE_H_PT, document, pdf_date, text_string
from certificates.pdf_font import FONT_FILES, Subset, face
from certificates.pdf_qr import qr_matrix
from certificates.pdf_text import LABELS, CertificateData

__all__ = ["LABELS", "CertificateData", "qr_runs", "render_certificate_pdf"]


MM_PER_PT = 25.4 / 72
K = 72 / 25.4  # pt per mm
C_MARGIN = 1.0  # mm of padding left and right inside a text cell, as fpdf2 had it
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
_DARK_RUN = re.compile("1+")

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


class Align(Enum):
    """Where a line sits in its cell."""

    L = "L"
    C = "C"
    R = "R"


class Canvas:
    """The page being drawn: its content stream and the glyphs each style has used so far."""

    def __init__(self) -> None:
        """An empty page with DejaVu regular (F1) and bold (F2) ready."""
        self.ops = ["2 J"]  # projecting square line caps, as fpdf2 drew the frame and rule
        self.subsets = {style: Subset(face(style)) for style in FONT_FILES}

    def width(self, text: str, style: str, size: float) -> float:
        """The width of `text` at `size` pt, in mm."""
        return self.subsets[style].face.width(text, size) / K

    def cell(self, x: float, y: float, w: float, h: float, text: str, font: Font) -> None:
        """One line of text in the box at (x, y) of w x h mm, centred vertically on it."""
        style, size, color, align = font
        width = self.width(text, style, size)
        if align is Align.R:
            dx = w - C_MARGIN - width
        elif align is Align.C:
            dx = (w - width) / 2
        else:
            dx = C_MARGIN
        baseline = PAGE_H_PT - (y + 0.5 * h + 0.3 * size / K) * K
        r, g, b = (channel / 255 for channel in color)
        hex_text = self.subsets[style].encode(text)
        self.ops.append(
            f"BT /F{2 if style else 1} {size:.2f} Tf {r:.4f} {g:.4f} {b:.4f} rg"
            f" {(x + dx) * K:.2f} {baseline:.2f} Td <{hex_text}> Tj ET"
        )

    def stroke(self, color: tuple[int, int, int], line_width: float, path: str) -> None:
        """Stroke `path` (already in pt) in `color` with a line `line_width` mm wide."""
        r, g, b = (channel / 255 for channel in color)
        self.ops.append(f"{r:.4f} {g:.4f} {b:.4f} RG {line_width * K:.2f} w {path} S")

    def rect_path(self, x: float, y: float, w: float, h: float) -> str:
        """A rectangle given in mm from the top left, as a path in pt."""
        return f"{x * K:.2f} {PAGE_H_PT - y * K:.2f} {w * K:.2f} {-h * K:.2f} re"

    def wrap(self, text: str, style: str, size: float, width: float) -> list[str]:
        """`text` broken into lines of a cell `width` mm wide, as fpdf2's multi_cell broke it.

        At the last space that fits (the space dropped); a word longer than the line is cut
        where it overflows.
        """
        usable = width - 2 * C_MARGIN
        widths = self.subsets[style].face.widths
        missing = self.subsets[style].face.missing_width
        per_unit = size * 0.001 / K
        lines: list[str] = []
        start, units, space = 0, 0, -1
        at = 0
        while at < len(text):
            char = text[at]
            char_units = widths.get(ord(char), missing)
            if (units + char_units) * per_unit - usable > 1e-9 and at > start:
                cut = at if char == " " or space < 0 else space
                lines.append(text[start:cut])
                start = at = cut + 1 if char == " " or space >= 0 else cut
                units, space = 0, -1
                continue
            if char == " ":
                space = at
            units += char_units
            at += 1
        if start < len(text):
            lines.append(text[start:])
        return lines

    def pdf(self, info: dict[str, str], language: str) -> bytes:
        """The finished file."""
        fonts = [("F1", self.subsets[""]), ("F2", self.subsets["B"])]
        return document("\n".join(self.ops), fonts, info, language)


# A text's style ("" or "B"), size in pt, colour and alignment.
Font = tuple[str, float, tuple[int, int, int], Align]


@lru_cache(maxsize=256)
def qr_runs(url: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The URL's QR code: its side in modules and its dark runs as (row, first column, length)."""
    # Cached because a certificate is often fetched again (reprint, verification).
    matrix = qr_matrix(url)
    runs = tuple(
        (row, run.start(), run.end() - run.start())
        for row, line in enumerate(matrix)
        for run in _DARK_RUN.finditer(line)
    )
    return len(matrix), runs


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as one filled path of runs: vector, crisp at any print resolution."""
    side, runs = qr_runs(url)
    module = size / side * K
    # One rectangle per horizontal run in module units, under a transform that puts module
    # (0, 0) at the code's top left with rows going down: short operators, no seams.
    path = " ".join(f"{col} {row} {length} 1 re" for row, col, length in runs)
    canvas.ops.append(
        f"q 0 g {module:.4f} 0 0 {-module:.4f} {x * K:.2f} {PAGE_H_PT - y * K:.2f} cm {path} f Q"
    )


def _fit(
    canvas: Canvas, text: str, style: str, width: float, sizes: Ladder
) -> tuple[float, list[str]]:
    """The first size on the ladder at which `text` wraps into few enough lines, and its lines."""
    usable = width - 2 * C_MARGIN
    width_at_10 = canvas.width(text, style, 10)
    for size, max_lines in sizes:
        needed = width_at_10 * size / 10
        if needed <= usable:
            return size, [text]
        # Wrapping is the costly part: only try it where the text could possibly fit.
        if max_lines > 1 and needed <= usable * max_lines:
            lines = canvas.wrap(text, style, size, width)
            if len(lines) <= max_lines:
                return size, lines
    size = sizes[-1][0]
    return size, canvas.wrap(text, style, size, width)


def _block(
    canvas: Canvas,
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
    size, lines = _fit(canvas, text, style, width, sizes)
    line_height = size * MM_PER_PT * LEADING
    y = top + max(0.0, (height - len(lines) * line_height) / 2)
    for line in lines:
        canvas.cell(x, y, width, line_height, line, (style, size, color, align))
        y += line_height


def _labelled(canvas: Canvas, label: str, value: str, *, y: float, width: float) -> None:
    """A details line, "Label: value", with the value in bold and shrunk if it is long."""
    size = DETAIL_SIZES[0][0]
    label_width = canvas.width(label + " ", "", size) + 2 * C_MARGIN
    line_height = size * MM_PER_PT * LEADING
    canvas.cell(TEXT_X, y, label_width, line_height, label, ("", size, MUTED, Align.L))
    _block(
        canvas,
        value,
        style="B",
        sizes=DETAIL_SIZES,
        top=y,
        height=line_height,
        x=TEXT_X + label_width - 2 * C_MARGIN,
        width=width - label_width + 2 * C_MARGIN,
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

    canvas = Canvas()
    _draw_heading(canvas, labels, organization, name, course)
    if data.revoked:
        sizes = ((30, 1),)
        _block(
            canvas, labels["revoked"], style="B", sizes=sizes, top=133, height=13, color=REVOKED_RED
        )
    # Details, bottom left; kept clear of the QR code's column and its quiet zone.
    details = [(labels["duration"], hours), (labels["issued"], issued)]
    if expires:
        details.append((labels["expires"], expires))
    details.append((labels["trainer"], trainer))
    details_width = 130.0
    y = 176 - 7 * len(details)
    for label, value in details:
        _labelled(canvas, label, value, y=y, width=details_width)
        y += 7
    _draw_verification(canvas, data, verify, TEXT_X + details_width + 10)
    return canvas.pdf(_info(data, organization), data.language)


def _info(data: CertificateData, organization: str) -> dict[str, str]:
    """The document's metadata."""
    # A fixed date (noon UTC, the same calendar day everywhere) instead of "now": the same data
    # must give the same bytes.
    created = datetime(
        data.issued_on.year, data.issued_on.month, data.issued_on.day, 12, tzinfo=UTC
    )
    return {
        "Title": text_string(f"Certificate {data.code}"),
        "Author": text_string(organization),
        "Creator": text_string("union-training"),
        "CreationDate": pdf_date(created),
    }


def _draw_heading(
    canvas: Canvas, labels: dict[str, str], organization: str, name: str, course: str
) -> None:
    """The frame, then organization, title, holder and course down the middle of the page."""
    # Frame: a thin line with a hairline inside it, sober and printer-friendly.
    canvas.stroke(ACCENT, 0.6, canvas.rect_path(10, 10, PAGE_W - 20, PAGE_H - 20))
    canvas.stroke(ACCENT, 0.2, canvas.rect_path(12.5, 12.5, PAGE_W - 25, PAGE_H - 25))

    _block(canvas, organization, style="", sizes=ORG_SIZES, top=22, height=12, color=MUTED)
    _block(canvas, labels["title"], style="B", sizes=((40, 1),), top=37, height=17, color=ACCENT)
    left, right, rule_y = (PAGE_W / 2 - 20) * K, (PAGE_W / 2 + 20) * K, PAGE_H_PT - 57 * K
    canvas.stroke(ACCENT, 0.4, f"{left:.2f} {rule_y:.2f} m {right:.2f} {rule_y:.2f} l")
    _block(canvas, labels["certifies"], style="", sizes=((13, 1),), top=61, height=7, color=MUTED)
    _block(canvas, name, style="B", sizes=NAME_SIZES, top=69, height=25)
    _block(canvas, labels["completed"], style="", sizes=((13, 1),), top=95, height=7, color=MUTED)
    _block(canvas, course, style="", sizes=COURSE_SIZES, top=103, height=30, color=ACCENT)


def _draw_verification(canvas: Canvas, data: CertificateData, verify: str, right_x: float) -> None:
    """Bottom right: QR code, the code in bold under it, then the address in small type."""
    qr_top = 140.0
    _draw_qr(canvas, data.verify_url, RIGHT_EDGE - QR_SIZE, qr_top, QR_SIZE)
    right_w = RIGHT_EDGE - right_x
    code_top = qr_top + QR_SIZE + 2
    line_height = 12 * MM_PER_PT * LEADING
    code_font = ("B", 12.0, ACCENT, Align.R)
    canvas.cell(right_x, code_top, right_w + C_MARGIN, line_height, data.code, code_font)
    _block(
        canvas,
        verify,
        style="",
        sizes=URL_SIZES,
        top=code_top + 6,
        height=5,
        x=right_x,
        width=right_w + C_MARGIN,
        align=Align.R,
        color=MUTED,
    )
