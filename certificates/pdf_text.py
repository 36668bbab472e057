"""What a certificate states, as printed: its data and the document's own words.

Kept apart from the renderer (certificates.pdf) so that pages and services can build a
certificate's data without loading the renderer and fontTools, about 30 MB a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate, already formatted for people."""

    holder_name: str
    course_title: str
    duration: str  # e.g. "45 мин", "12 ч." (see duration_text)
    issued_on: date
    expires_on: date | None
    organization: str
    trainer_name: str
    code: str
    verify_url: str
    language: str = "ru"
    revoked: bool = False  # printed across the page: a revoked certificate must not pass as one


# Document texts, not interface strings: a certificate is printed in its course's language,
# whatever language the person downloading it uses, so they stay here rather than in Babel.
LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Сертификат",
        # Worded without a gendered verb: "прошёл(а)" reads like a form to fill in.
        "certifies": "Слушатель",
        "completed": "успешно завершено обучение по курсу",
        "duration": "Объём:",
        "hours": "{hours} ч.",
        "minutes": "{minutes} мин",
        "hours_minutes": "{hours} ч. {minutes} мин",
        "issued": "Дата выдачи:",
        "expires": "Действителен до:",
        "trainer": "Тренер:",
        "verify": "Проверить:",
        "date": "%d.%m.%Y",
        "withheld": "владелец скрыт",
        "revoked": "ОТОЗВАН",
    },
    "en": {
        "title": "Certificate",
        "certifies": "This certifies that",
        "completed": "has completed the course",
        "duration": "Duration:",
        "hours": "{hours} h",
        "minutes": "{minutes} min",
        "hours_minutes": "{hours} h {minutes} min",
        "issued": "Date of issue:",
        "expires": "Valid until:",
        "trainer": "Trainer:",
        "verify": "Verify:",
        "date": "%Y-%m-%d",
        "withheld": "holder withheld",
        "revoked": "REVOKED",
    },
}


def duration_text(hours: float, language: str) -> str:
    """A certificate's hours as printed, to the minute: "45 мин", "2 ч.", "1 ч. 30 мин".

    Never rounded to whole or half hours: a 45-minute course must not read as one hour.
    """
    labels = LABELS[language]
    whole, minutes = divmod(round(hours * 60), 60)
    if not whole:
        return labels["minutes"].format(minutes=minutes)
    if not minutes:
        return labels["hours"].format(hours=whole)
    return labels["hours_minutes"].format(hours=whole, minutes=minutes)
