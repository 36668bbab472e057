"""Certificate PDF cost: time to render one realistic Russian certificate, and its size.

    python bench/certificate_pdf.py [--runs 200]

Names, courses and codes vary from render to render, as they do in real use (so every QR code
is new). The first render of a process also reads the fonts; it is reported on its own, with the
renderer's import, and left out of the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certificates.pdf_text import CertificateData

SURNAMES = [
    "Иванова",
    "Петров",
    "Смирнова",
    "Кузнецов",
    "Мухаметзянова",
    "Ковальчук",
    "Абдрахманов",
    "Соловьёва",
    "Преображенский",
    "Ким",
]
FIRST_NAMES = ["Мария", "Алексей", "Ольга", "Дмитрий", "Гульнара", "Юрий", "Наталья", "Тимур"]
PATRONYMICS = ["Петровна", "Сергеевич", "Александровна", "Ильдарович", "Викторовна", "", ""]
COURSES = [
    "Основы коллективных переговоров",
    "Охрана труда для уполномоченных профсоюза",
    "Правовые основы деятельности первичной профсоюзной организации: коллективный договор, "
    "социальное партнёрство и защита трудовых прав работников",
    "Информационная работа: новости, соцсети, фото",
    "Финансы профсоюзной организации",
]
TRAINERS = ["Петров Алексей Сергеевич", "Смирнова О. В.", "Абдрахманов Тимур Ильдарович"]


def certificate(rng: random.Random) -> CertificateData:
    """One plausible certificate with a fresh name and code."""
    name = " ".join(
        part for part in (rng.choice(SURNAMES), rng.choice(FIRST_NAMES), rng.choice(PATRONYMICS))
    ).strip()
    alphabet = string.ascii_uppercase + string.digits
    code = "-".join("".join(rng.choices(alphabet, k=4)) for _ in range(5))
    issued = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
    return CertificateData(
        holder_name=name,
        course_title=rng.choice(COURSES),
        duration=rng.choice(["4 ч.", "12 ч.", "1 ч. 30 мин", "45 мин"]),
        issued_on=issued,
        expires_on=rng.choice([None, issued + timedelta(days=3 * 365)]),
        organization="Профсоюз работников народного образования и науки",
        trainer_name=rng.choice(TRAINERS),
        code=code,
        verify_url=f"https://training.example.org/certificates/verify/{code}",
    )


def main() -> None:
    """Render --runs certificates and print median, p95 and best times and the average size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    rng = random.Random(20250901)
    started = time.perf_counter()
    # Imported here so that the import, as a worker's first PDF pays it, is timed too.
    from certificates.pdf import render_certificate_pdf

    render_certificate_pdf(certificate(rng))
    first_ms = (time.perf_counter() - started) * 1000

    times: list[float] = []
    sizes: list[int] = []
    for data in [certificate(rng) for _ in range(args.runs)]:
        started = time.perf_counter()
        pdf = render_certificate_pdf(data)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(len(pdf))

    again: list[float] = []
    for _ in range(min(50, args.runs)):  # the same certificate again: its QR code is kept
        started = time.perf_counter()
        render_certificate_pdf(data)
        again.append((time.perf_counter() - started) * 1000)

    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"certificate PDF: {args.runs} renders (a process's first, with import and fonts: "
        f"{first_ms:.0f} ms)"
    )
    print(
        f"  median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, best {times[0]:.1f} ms; "
        f"{statistics.mean(sizes) / 1024:.1f} KB each; "
        f"{1000 / statistics.mean(times):.0f} PDFs/s in one thread"
    )
    print(f"  the same certificate again: median {statistics.median(again):.1f} ms")


if __name__ == "__main__":
    main()
