"""The certificate PDF: one landscape A4 page, selectable text, a QR code of the verify URL."""

from __future__ import annotations

import dataclasses
import io
import random
import re
import shutil
import string
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import segno
from fontTools.ttLib import TTFont

from certificates.pdf import Canvas, CertificateData, qr_runs, render_certificate_pdf
from certificates.pdf_font import Subset, face
from certificates.pdf_qr import qr_matrix

CODE = "7K3Q-9XJ2-ABCD-EF12-GH34"
URL = f"https://training.example.org/certificates/verify/{CODE}"


def make(**changes: Any) -> CertificateData:
    """A realistic Russian certificate, with `changes` applied."""
    data = CertificateData(
        holder_name="Иванова Мария Петровна",
        course_title="Основы коллективных переговоров",
        duration="12 ч.",
        issued_on=date(2025, 9, 1),
        expires_on=date(2028, 9, 1),
        organization="Профсоюз работников образования",
        trainer_name="Петров Алексей Сергеевич",
        code=CODE,
        verify_url=URL,
    )
    return dataclasses.replace(data, **changes)


def poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    """Run a poppler-utils tool on the PDF and return what it prints."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} not found: apt-get install poppler-utils (CI installs it)")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The page's text as pdftotext -layout extracts it, whitespace runs collapsed to one space."""
    return " ".join(poppler("pdftotext", pdf, tmp_path, "-layout").split())


def info_of(pdf: bytes, tmp_path: Path, *args: str) -> dict[str, str]:
    """pdfinfo's fields."""
    lines = poppler("pdfinfo", pdf, tmp_path, *args).splitlines()
    return {key.strip(): value.strip() for key, _, value in (ln.partition(":") for ln in lines)}


def assert_one_landscape_a4_page(pdf: bytes, tmp_path: Path) -> None:
    """Exactly one page of 297 x 210 mm, wider than tall."""
    assert pdf.startswith(b"%PDF-")
    info = info_of(pdf, tmp_path)
    assert info["Pages"] == "1"
    size = re.match(r"([\d.]+) x ([\d.]+) pts", info["Page size"])
    assert size is not None, info["Page size"]
    width, height = float(size[1]), float(size[2])
    assert width == pytest.approx(841.89, abs=0.5)
    assert height == pytest.approx(595.28, abs=0.5)
    assert info.get("Page rot", "0") == "0"


def test_russian_certificate_is_one_landscape_a4_page(tmp_path: Path) -> None:
    assert_one_landscape_a4_page(render_certificate_pdf(make()), tmp_path)


def test_russian_text_is_selectable(tmp_path: Path) -> None:
    text = text_of(render_certificate_pdf(make()), tmp_path)
    for expected in (
        "Профсоюз работников образования",
        "Сертификат",
        "Слушатель",
        "Иванова Мария Петровна",
        "успешно завершено обучение по курсу",
        "Основы коллективных переговоров",
        "Объём: 12 ч.",
        "Дата выдачи: 01.09.2025",
        "Действителен до: 01.09.2028",
        "Тренер: Петров Алексей Сергеевич",
        CODE,
        f"Проверить: {URL}",
    ):
        assert expected in text, expected


def test_english_certificate_uses_english_labels(tmp_path: Path) -> None:
    pdf = render_certificate_pdf(
        make(
            language="en",
            holder_name="Mary Johnson-Smith",
            course_title="Collective bargaining basics",
            duration="1 h 30 min",
            expires_on=None,
            organization="Education Workers' Union",
            trainer_name="Alex Petrov",
        )
    )
    assert_one_landscape_a4_page(pdf, tmp_path)
    text = text_of(pdf, tmp_path)
    for expected in (
        "Certificate",
        "This certifies that",
        "Mary Johnson-Smith",
        "has completed the course",
        "Collective bargaining basics",
        "Duration: 1 h 30 min",
        "Date of issue: 2025-09-01",
        "Trainer: Alex Petrov",
        CODE,
        f"Verify: {URL}",
    ):
        assert expected in text, expected
    assert "Valid until" not in text
    assert "Сертификат" not in text


def test_validity_line_only_when_the_certificate_expires(tmp_path: Path) -> None:
    assert "Действителен до" not in text_of(render_certificate_pdf(make(expires_on=None)), tmp_path)


def test_very_long_name_and_course_title_stay_on_one_page_in_full(tmp_path: Path) -> None:
    name = ("Константинопольская-Мухаметзянова Александра-Виктория Владиславовна " * 2)[:120]
    course = (
        "Правовые основы деятельности первичной профсоюзной организации: коллективный договор, "
        "охрана труда, социальное партнёрство, защита трудовых прав работников образования "
        "и ведение переговоров (2025 год)"
    )
    assert len(name) == 120 and len(course) == 200
    trainer = "Преображенская-Константинопольская Александра-Виктория Владиславовна"
    pdf = render_certificate_pdf(make(holder_name=name, course_title=course, trainer_name=trainer))
    assert_one_landscape_a4_page(pdf, tmp_path)
    text = text_of(pdf, tmp_path)
    assert " ".join(name.split()) in text
    assert course in text
    assert trainer in text
    assert CODE in text


def test_letters_outside_the_common_set_are_still_printed(tmp_path: Path) -> None:
    # Greek and Latin Extended-B are not in the cut-down fonts: the full fonts must take over.
    pdf = render_certificate_pdf(make(holder_name="Σωκράτης Əliyev", trainer_name="Łukasz Ђорђе"))
    text = text_of(pdf, tmp_path)
    assert "Σωκράτης Əliyev" in text
    assert "Łukasz Ђорђе" in text


def test_fonts_are_embedded_subsets(tmp_path: Path) -> None:
    fonts = poppler("pdffonts", render_certificate_pdf(make()), tmp_path).splitlines()[2:]
    assert len(fonts) == 2
    for line in fonts:
        assert "DejaVuSans" in line
        assert line.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode


def test_metadata(tmp_path: Path) -> None:
    info = info_of(render_certificate_pdf(make()), tmp_path, "-isodates")
    assert info["Title"] == f"Certificate {CODE}"
    assert info["Author"] == "Профсоюз работников образования"
    assert info["Creator"] == "union-training"
    assert info["CreationDate"] == "2025-09-01T12:00:00Z"  # from issued_on, not the clock


def test_same_data_gives_identical_bytes() -> None:
    assert render_certificate_pdf(make()) == render_certificate_pdf(make())
    assert render_certificate_pdf(make()) != render_certificate_pdf(make(code="AAAA-BBBB"))


@pytest.mark.parametrize(
    "url",
    [URL, "https://x.io/v/AB", "https://training.example.org/c/" + "Z" * 150],
)
def test_qr_modules_are_segnos_matrix_for_the_url(url: str) -> None:
    matrix = segno.make(url, error="m").matrix
    side, runs = qr_runs(url)
    assert side == len(matrix) == len(matrix[0])
    drawn = [(row, col + i) for row, col, length in runs for i in range(length)]
    assert len(drawn) == len(set(drawn))  # runs never overlap
    dark = {
        (row, col) for row, cells in enumerate(matrix) for col, cell in enumerate(cells) if cell
    }
    assert set(drawn) == dark


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        render_certificate_pdf(make(language="de"))


def test_qr_mask_is_the_one_segno_chooses() -> None:
    # Our scoring of the eight masks must pick segno's mask, over versions 1 to about 12.
    rng = random.Random(22)
    alphabet = string.ascii_letters + string.digits
    masks = set()
    for length in range(1, 300, 4):
        url = "https://training.example.org/v/" + "".join(rng.choices(alphabet, k=length))
        code = segno.make(url, error="m", micro=False)
        masks.add(code.mask)
        assert qr_matrix(url) == tuple("".join(map(str, row)) for row in code.matrix), url
    assert masks == set(range(8))


def test_font_subset_keeps_the_outlines_of_the_letters_it_holds() -> None:
    text = "Иванова Ёлка й Łukasz Σωκράτης Əliyev №1 «»—"
    for style in ("", "B"):
        subset = Subset(face(style))
        codes = bytes.fromhex(subset.encode(text))
        embedded = TTFont(io.BytesIO(subset.font_file()))
        full = TTFont(face(style).path)
        assert embedded["maxp"].numGlyphs == len(subset.gids)
        for char, high, low in zip(text, codes[::2], codes[1::2], strict=True):
            sid = high << 8 | low
            got = embedded["glyf"][embedded.getGlyphName(sid)]
            want = full["glyf"][full.getBestCmap()[ord(char)]]
            assert got.getCoordinates(embedded["glyf"])[0] == want.getCoordinates(full["glyf"])[0]
            assert (
                embedded["hmtx"][embedded.getGlyphName(sid)][0]
                == full["hmtx"][full.getBestCmap()[ord(char)]][0]
            )


def test_lines_wrap_at_the_last_space_that_fits_and_long_words_are_cut() -> None:
    canvas = Canvas()
    word = canvas.width("слово", "", 10)
    width = 2 * word + canvas.width(" ", "", 10) + 2 + 0.01  # two words and 1 mm padding each side
    assert canvas.wrap("слово слово слово", "", 10, width) == ["слово слово", "слово"]
    assert canvas.wrap("слово" * 3, "", 10, width) == ["слово" * 2, "слово"]
