"""What a web worker does not load: libraries only a rare request or a command needs (#22).

fontTools (the certificate fonts) loads with the first certificate a worker draws, Alembic
(11 MB) with the first migration command, XlsxWriter (3 MB) with the first spreadsheet export,
pydantic (8 MB with the pack models) with the first course pack read or imported, segno
(1 MB) with the first QR code drawn (setting up two-factor, a certificate), joserfc (5 MB) with
the first signed credential or key set served.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAZY = (
    *("fontTools", "alembic", "flask_migrate", "xlsxwriter", "pydantic", "pydantic_core"),
    *("segno", "joserfc"),
)

PROBE = """
import json, sys
from app import create_app
app = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "x",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
client = app.test_client()
pages = ("/", "/courses/", "/account/login", "/verify/ABCD-EFGH-JKMN")
statuses = [client.get(url).status_code for url in pages]
print(json.dumps([statuses, sorted({name.split(".")[0] for name in sys.modules})]))
"""


def test_a_worker_serving_pages_loads_none_of_the_lazy_libraries(app, database):
    url = app.config["SQLALCHEMY_DATABASE_URI"]  # the tests' database, already migrated
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url], cwd=ROOT, capture_output=True, text=True, check=True
    )
    statuses, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert statuses == [200, 200, 200, 404]  # the check page too, for a code nobody holds
    assert not set(LAZY) & set(loaded), sorted(set(LAZY) & set(loaded))


def test_the_lazy_libraries_load_when_needed(app):
    from certificates.documents import render_certificate_pdf
    from certificates.pdf_text import CertificateData

    assert render_certificate_pdf.__module__ == "certificates.documents"
    assert CertificateData.__module__ == "certificates.pdf_text"
    assert app.extensions["migrate"].directory.endswith("migrations")  # set up on first read
    assert "flask_migrate" in sys.modules
    with app.app_context():
        from certificates import documents

        assert type(documents.key_store()).__module__ == "certificates.signing"
    assert "joserfc" in sys.modules
