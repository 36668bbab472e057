"""A URL's QR code as segno makes it, with segno's choice of mask made in a fraction of the time.

segno picks the mask by building and scoring all eight masked symbols module by module in
Python, about 80 % of its time and most of a certificate's first render. Here segno builds
the symbol once with mask 0; the other seven are that symbol XOR a mask difference, scored
with whole rows and columns as integers and strings (ISO/IEC 18004:2015 7.8.3, with segno's
reading of it, so the choice is the same); segno then builds the winner.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

import segno

_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
_RUNS = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = "1011101"
_DIGITS = bytes.maketrans(b"\0\1", b"01")

# Per row (or column) of a symbol: its data modules, each mask's difference from mask 0 there,
# and its format and version modules (light while masks are scored), as bit sets.
Regions = tuple[list[int], list[tuple[int, ...]], list[int]]


def qr_matrix(url: str) -> tuple[str, ...]:
    """The QR code (error level M or better, no Micro QR) of `url`: rows of "0"/"1" modules."""
    code = segno.make(url, error="m", micro=False, mask=0)
    side = len(code.matrix)
    rows = [int(bytes(row).translate(_DIGITS), 2) for row in code.matrix]
    columns = _transpose(rows, side)
    by_rows, by_columns = _regions(code.version), _transposed_regions(code.version)
    best = min(
        range(8),
        key=lambda mask: (_penalty(rows, columns, by_rows, by_columns, mask, side), mask),
    )
    data, flips, _ = by_rows
    final = [row ^ (flip[best] & cells) for row, flip, cells in zip(rows, flips, data, strict=True)]
    _set_format(final, side, _format_bits(code.error, best) ^ _format_bits(code.error, 0))
    return tuple(format(row, f"0{side}b") for row in final)


def _penalty(
    rows: list[int],
    columns: list[int],
    by_rows: Regions,
    by_columns: Regions,
    mask: int,
    side: int,
) -> int:
    """The penalty of the symbol (built with mask 0) remasked with `mask`, before format bits."""
    masked = _masked(rows, by_rows, mask)
    lines = [format(row, f"0{side}b") for row in masked + _masked(columns, by_columns, mask)]
    n1 = sum(len(run) - 2 for run in _RUNS.findall("\n".join(lines)))
    full = (1 << (side - 1)) - 1
    n2 = 3 * sum(
        (~((above ^ (above >> 1)) | (above ^ below) | ((above ^ below) >> 1)) & full).bit_count()
        for above, below in pairwise(masked)
    )
    n3 = sum(_finder_like(line) for line in lines if _FINDER_LIKE in line)
    dark = sum(row.bit_count() for row in masked)
    n4 = 10 * int(abs(dark / side**2 * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _masked(lines: list[int], regions: Regions, mask: int) -> list[int]:
    """Rows (or columns) remasked with `mask`, format and version modules light."""
    data, flips, spare = regions
    return [
        (line ^ (flip[mask] & cells)) & ~reserved
        for line, flip, cells, reserved in zip(lines, flips, data, spare, strict=True)
    ]


def _format_bits(error: str, mask: int) -> int:
    """The 15 format bits of an error level and mask: BCH(15, 5) code, XOR 0x5412."""
    value = ({"L": 1, "M": 0, "Q": 3, "H": 2}[error] << 3) | mask
    remainder = value
    for _ in range(10):
        remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537)
    return ((value << 10) | remainder) ^ 0x5412


def _set_format(rows: list[int], side: int, flip: int) -> None:
    """Flip the format modules of `rows` where `flip` has a bit set (both copies)."""
    upper_left = [(i, 8) for i in (0, 1, 2, 3, 4, 5, 7, 8)] + [
        (8, j) for j in (7, 5, 4, 3, 2, 1, 0)
    ]
    lower_right = [(8, side - 1 - j) for j in range(8)] + [(side - 7 + i, 8) for i in range(7)]
    for places in (upper_left, lower_right):
        for bit, (i, j) in enumerate(places):
            if flip >> bit & 1:
                rows[i] ^= 1 << (side - 1 - j)


def _finder_like(line: str) -> int:
    """N3 of one row or column: 40 per 1:1:3:1:1 pattern with four light modules on a side."""
    side, count = len(line), 0
    at = line.find(_FINDER_LIKE)
    while at != -1:
        after = at + 7
        if (
            at in (0, side - 7)
            or "1" not in line[max(at - 4, 0) : at]
            or "1" not in line[after : after + 4]
        ):
            count += 40
        else:
            after = at + 4  # the next match may start at this one's middle dark run
        at = line.find(_FINDER_LIKE, after)
    return count


def _transpose(rows: list[int], side: int) -> list[int]:
    """The columns of `rows` as integers, top row the most significant bit."""
    texts = [format(row, f"0{side}b") for row in rows]
    return [int("".join(column), 2) for column in zip(*texts, strict=True)]


@cache
def _transposed_regions(version: int) -> Regions:
    """_regions by column instead of by row."""
    side = 17 + 4 * version
    data, flips, spare = _regions(version)
    per_mask = [_transpose([flip[mask] for flip in flips], side) for mask in range(8)]
    return _transpose(data, side), list(zip(*per_mask, strict=True)), _transpose(spare, side)


@cache
def _regions(version: int) -> Regions:
    """The data, mask differences and reserved modules of each row of a symbol of `version`."""
    side = 17 + 4 * version
    function, reserved = _function_modules(version)
    data, flips, spare = [], [], []
    for i in range(side):
        cells = sum(1 << (side - 1 - j) for j in range(side) if (i, j) not in function)
        data.append(cells)
        flips.append(
            tuple(
                sum(1 << (side - 1 - j) for j in range(side) if _MASKS[0](i, j) != pattern(i, j))
                for pattern in _MASKS
            )
        )
        spare.append(sum(1 << (side - 1 - j) for j in range(side) if (i, j) in reserved))
    return data, flips, spare


def _function_modules(version: int) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The (row, column) of every module that is not data, and of the format and version ones."""
    side = 17 + 4 * version
    last = side - 8
    function = {
        (i, j)
        for i in range(side)
        for j in range(side)
        if (i < 8 and (j < 8 or j >= last)) or (i >= last and j < 8) or 6 in (i, j)
    }
    reserved = {(8, j) for j in (*range(9), *range(last, side)) if j != 6}
    reserved |= {(i, 8) for i in (*range(9), *range(last, side)) if i != 6}
    if version >= 7:
        reserved |= {(i, j) for i in range(6) for j in range(side - 11, side - 8)}
        reserved |= {(j, i) for i in range(6) for j in range(side - 11, side - 8)}
    centres = _alignment_centres(version)
    for row in centres:
        for col in centres:
            if (row, col) in ((6, 6), (6, centres[-1]), (centres[-1], 6)):
                continue  # where the finder patterns are
            function |= {(row + di, col + dj) for di in range(-2, 3) for dj in range(-2, 3)}
    return function | reserved, reserved


def _alignment_centres(version: int) -> list[int]:
    """Rows (and columns) of the alignment patterns' centres (ISO/IEC 18004:2015 Annex E)."""
    if version == 1:
        return []
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    last = 17 + 4 * version - 7
    return [6, *reversed([last - k * step for k in range(count - 1)])]
