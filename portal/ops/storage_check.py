"""``portal storage check``: every file a row points to is there, with its size and SHA-256.

Rows with files are ``Evidence`` (kind "file") and ``TrainingRecord`` rows with a
``stored_name``. Each referenced file is hashed in chunks (never read whole into memory).
Files under ``UPLOAD_FOLDER`` that no row references are *orphans*: they are listed and, with
``--repair-orphans``, moved into ``UPLOAD_FOLDER/.orfaos/<timestamp>/`` — never deleted.
``.tmp/`` (uploads in progress) and ``.orfaos/`` are not looked at.

An upload moves its file into place a moment before its row is committed, so a file that
is very recent may look orphaned while the portal is serving: such files are listed but
never moved (see ``ORPHAN_GRACE``), and each candidate is looked up again just before it
is moved.
"""

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import true

from portal.core.storage import CHUNK, storage
from portal.deliverables.models import Evidence
from portal.extensions import db
from portal.training.models import TrainingRecord

ORPHANS_DIR = ".orfaos"
TMP_DIR = ".tmp"
SKIPPED_DIRS = {TMP_DIR, ORPHANS_DIR}
ORPHAN_GRACE = 600  # seconds: younger unreferenced files may be an upload being committed


@dataclass(frozen=True)
class FileRef:
    """A row that points to a stored file."""

    kind: str  # "evidence" | "training"
    id: int
    stored_name: str
    original_name: str | None
    size: int | None
    sha256: str | None

    @property
    def label(self) -> str:
        noun = "Evidência" if self.kind == "evidence" else "Registro de capacitação"
        return f"{noun} {self.id} (“{self.original_name or self.stored_name}”)"


@dataclass
class CheckReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # paths relative to UPLOAD_FOLDER
    recent_orphans: list[str] = field(default_factory=list)  # listed, never moved
    moved: list[tuple[str, str]] = field(default_factory=list)  # (from, to) relative

    @property
    def ok(self) -> bool:
        unresolved = len(self.orphans) - len(self.moved)
        return not self.problems and unresolved <= 0


def file_refs() -> list[FileRef]:
    """Every row that references a stored file, from the current database session."""
    refs = []
    for kind, model, extra in (
        ("evidence", Evidence, Evidence.kind == "file"),
        ("training", TrainingRecord, true()),
    ):
        rows = db.session.execute(
            db.select(model.id, model.stored_name, model.original_name, model.size, model.sha256)
            .where(model.stored_name.is_not(None), extra)
            .order_by(model.id)
        )
        refs.extend(FileRef(kind, *row) for row in rows)
    return refs


def sha256_of(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            digest.update(chunk)
    return size, digest.hexdigest()


def stored_files(root: Path):
    """Relative paths (POSIX) of the files under ``root``, skipping ``.tmp`` and ``.orfaos``."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
        dirnames.sort()
        for name in sorted(filenames):
            yield (here / name).relative_to(root).as_posix()


def expected_path(stored_name: str) -> str:
    return f"{stored_name[:2]}/{stored_name}"


def check_storage(*, repair_orphans: bool = False) -> CheckReport:
    store = storage()
    root = store.root
    report = CheckReport()
    refs = file_refs()
    expected = set()
    for ref in refs:
        report.checked += 1
        try:
            path = store.path(ref.stored_name)
        except FileNotFoundError:
            report.problems.append(f"{ref.label}: nome de arquivo inválido ({ref.stored_name}).")
            continue
        expected.add(expected_path(ref.stored_name))
        if not path.is_file():
            report.problems.append(
                f"{ref.label}: arquivo ausente ({expected_path(ref.stored_name)})."
            )
            continue
        size, sha = sha256_of(path)
        if ref.size is not None and size != ref.size:
            report.problems.append(
                f"{ref.label}: tamanho divergente (esperado {ref.size} bytes, encontrado {size})."
            )
        elif ref.sha256 and sha != ref.sha256:
            report.problems.append(
                f"{ref.label}: SHA-256 divergente (esperado {ref.sha256}, encontrado {sha})."
            )

    now = time.time()
    for relative in stored_files(root):
        if relative in expected:
            continue
        report.orphans.append(relative)
        if now - (root / relative).stat().st_mtime < ORPHAN_GRACE:
            report.recent_orphans.append(relative)

    if repair_orphans and report.orphans:
        _move_orphans(root, report)
    return report


def _move_orphans(root: Path, report: CheckReport) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target_root = root / ORPHANS_DIR / stamp
    db.session.rollback()  # see rows committed since the check started
    still_referenced = {expected_path(ref.stored_name) for ref in file_refs()}
    for relative in report.orphans:
        if relative in report.recent_orphans or relative in still_referenced:
            continue
        target = target_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(root / relative, target)
        report.moved.append((relative, target.relative_to(root).as_posix()))
