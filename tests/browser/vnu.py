"""The Nu HTML checker (vnu.jar from the npm package vnu-jar, `make tools`) run with Java over
many documents at once: one JVM start for the whole set, since it takes seconds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"))


def vnu_command() -> list[str]:
    """`java -jar vnu.jar`; skips locally when Java or the jar is absent, fails in CI so the
    check is never silently lost there."""
    java = shutil.which("java")
    if java is None:
        if os.environ.get("CI"):
            pytest.fail("Java is missing: .ci/run installs default-jre-headless")
        pytest.skip("Java not found: `apt-get install default-jre-headless` to run the Nu checker")
    if not VNU_JAR.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{VNU_JAR} is missing: `make tools` installs it with npm")
        pytest.skip(f"{VNU_JAR} not found: install npm, then `make tools`")
    return [java, "-Xss2m", "-jar", str(VNU_JAR)]


def check_html(documents: dict[str, str]) -> tuple[list[str], list[str]]:
    """Errors and warnings of the Nu checker for {name: html}, each line naming its document."""
    command = vnu_command()
    with tempfile.TemporaryDirectory() as folder:
        names: dict[str, str] = {}
        for number, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"page-{number:03d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = name
        done = subprocess.run(
            [
                *command,
                "--format",
                "json",
                "--exit-zero-always",
                "--also-check-svg",
                *sorted(str(Path(folder) / p) for p in os.listdir(folder)),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    errors, warnings = [], []
    for message in json.loads(done.stderr or done.stdout)["messages"]:
        url = message.get("url", "?")
        where = names.get(url.rsplit("/", 1)[-1], url)
        line = f"{where} line {message.get('lastLine', '?')}: {message['message']}"
        extract = message.get("extract", "").strip().replace("\n", " ")
        if extract:
            line += f" «{extract[:100]}»"
        if message["type"] == "error" or message.get("subType") == "fatal":
            errors.append(line)
        else:
            warnings.append(line)
    return errors, warnings
