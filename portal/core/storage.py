"""Evidence file storage: stream, hash, check by content, then move atomically into place.

Files live under ``UPLOAD_FOLDER`` with random names; the original name, the sniffed type,
the size and the SHA-256 are kept by the caller in the database. ``LocalStorage`` is the
only backend today; another (e.g. an S3-compatible object store) implements the same four
methods without touching the views.
"""

import hashlib
import os
import re
import secrets
import shlex
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import abort, current_app, has_app_context, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.exceptions import DomainError
from portal.extensions import db

CHUNK = 1024 * 1024

# Allowed types: what the content says, never the extension.
TYPE_LABELS = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/vnd.oasis.opendocument.presentation": "ODP",
    "text/csv": "CSV",
    "text/plain": "TXT",
}
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, ODP, CSV ou TXT"
# The extensions a download may keep, by type; the first is added when the name has none of
# them (so "x.html" holding text is saved as "x.html.txt", never opened as a page).
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    "text/csv": (".csv", ".txt"),
    "text/plain": (".txt", ".csv"),
}
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
# The first bytes of binary formats, allowed or not; ZIP covers OOXML and ODF.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "application/zip"),
    (b"GIF8", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # DOC, XLS, PPT
    (b"{\\rtf", "application/rtf"),
)


class UploadRefused(DomainError):
    """The file was not kept; ``message`` says why (pt-BR)."""


class UploadTooLarge(UploadRefused):
    status = 413


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def safe_display_name(name: str | None) -> str:
    """The user's file name, kept for display and downloads but made harmless."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = name.strip(" .") or "arquivo"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + "…" + dot + ext) if dot and len(ext) <= 8 else name[:200]
    return name


def download_name(name: str, mimetype: str) -> str:
    """The name a file is saved under: the user's, ending in an extension of its real type."""
    extensions = EXTENSIONS.get(mimetype)
    if extensions and not name.lower().endswith(extensions):
        return name + extensions[0]
    return name


def sniff_magic(head: bytes) -> str | None:
    """The binary format that ``head`` (a file's first bytes) starts with, or None."""
    for magic, mimetype in SIGNATURES:
        if head.startswith(magic):
            return mimetype
    return None


def sniff(path: Path) -> str | None:
    """The allowed MIME type of the file's content, or None."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    mimetype = sniff_magic(head)
    if mimetype == "application/zip":
        return _sniff_zip(path)
    if mimetype in TYPE_LABELS:
        return mimetype
    return _sniff_text(head)


def _sniff_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return mimetype if mimetype in _ODF else None
            if "[Content_Types].xml" in names:
                for prefix, mimetype in _OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return mimetype
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def _sniff_text(head: bytes) -> str | None:
    if not head or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the boundary
            try:
                text = head.decode("cp1252")
            except UnicodeDecodeError:
                return None
        else:
            text = head[: error.start].decode("utf-8")
    lowered = text.lstrip("\ufeff \t\r\n\f\v").lower()  # a BOM hides nothing
    if re.match(r"<[!?/a-z]", lowered) or "<script" in lowered:
        return None  # markup (any leading tag, comment or declaration) is never text
    first_line = text.splitlines()[0] if text.splitlines() else ""
    if first_line.count(";") >= 1 or first_line.count(",") >= 2:
        return "text/csv"
    return "text/plain"


class LocalStorage:
    """Evidence files in a local (or shared network) directory."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _tmp_dir(self) -> Path:
        path = self.root / ".tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, stored_name: str) -> Path:
        if not stored_name or "/" in stored_name or stored_name.startswith("."):
            raise FileNotFoundError(stored_name)
        return self.root / stored_name[:2] / stored_name

    def save(self, stream: BinaryIO, original_name: str, *, max_bytes: int) -> StoredFile:
        """Stream ``stream`` to disk while hashing; refuse what is too big, empty or not allowed."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp_dir(), prefix="upload-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLarge(
                            f"“{safe_display_name(original_name)}” excede o limite de "
                            f"{max_bytes // (1024 * 1024)} MB por arquivo."
                        )
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise UploadRefused(f"“{safe_display_name(original_name)}” está vazio.")
            content_type = sniff(tmp)
            if content_type is None:
                raise UploadRefused(
                    f"“{safe_display_name(original_name)}” não é de um tipo permitido "
                    f"({ALLOWED_DESCRIPTION}). O tipo é verificado pelo conteúdo, não pela "
                    f"extensão."
                )
            scan(tmp, safe_display_name(original_name))
            stored_name = secrets.token_hex(16)
            final = self.path(stored_name)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _delete_if_rolled_back(final)
        return StoredFile(
            stored_name=stored_name,
            original_name=safe_display_name(original_name),
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
        )

    def open(self, stored_name: str) -> BinaryIO:
        return self.path(stored_name).open("rb")

    def delete(self, stored_name: str) -> None:
        """Remove a file once the transaction that stopped referencing it commits (at once
        outside an application context)."""
        path = self.path(stored_name)
        if has_app_context():
            db.session.info.setdefault(_UNREFERENCED, []).append(path)
        else:
            path.unlink(missing_ok=True)

    def exists(self, stored_name: str) -> bool:
        return self.path(stored_name).is_file()


# Files follow the transaction: no file without its row, no row without its file. A file
# stored during a transaction that rolls back is deleted; one deleted during a transaction
# goes only when it commits.
_STORED = "portal.storage.stored"  # session.info: files stored in the current transaction
_UNREFERENCED = "portal.storage.unreferenced"  # session.info: files to remove on commit


def _delete_if_rolled_back(path: Path) -> None:
    if has_app_context():
        db.session.info.setdefault(_STORED, []).append(path)


@event.listens_for(Session, "after_commit")
def _files_after_commit(session: Session) -> None:
    session.info.pop(_STORED, None)
    for path in session.info.pop(_UNREFERENCED, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _files_after_rollback(session: Session) -> None:
    session.info.pop(_UNREFERENCED, None)
    for path in session.info.pop(_STORED, []):
        path.unlink(missing_ok=True)


def scan(path: Path, display_name: str) -> None:
    """Run PORTAL_AV_COMMAND on the file when configured: infected or scanner error → refused."""
    command = current_app.config.get("AV_COMMAND")
    if not command:
        return
    try:
        result = subprocess.run(  # noqa: S603 - the command is the operator's own configuration
            [*shlex.split(command), str(path)], capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        current_app.logger.exception("Antivírus indisponível")
        raise UploadRefused(
            f"Não foi possível verificar “{display_name}” com o antivírus. "
            "Tente novamente mais tarde."
        ) from None
    if result.returncode == 1:
        raise UploadRefused(f"“{display_name}” foi recusado: o antivírus encontrou uma ameaça.")
    if result.returncode != 0:
        current_app.logger.error(
            "Antivírus falhou (%s): %s",
            result.returncode,
            result.stderr.decode(errors="replace")[:500],
        )
        raise UploadRefused(
            f"Não foi possível verificar “{display_name}” com o antivírus. "
            "Tente novamente mais tarde."
        )


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_FOLDER"])


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


ATTACHMENT_CSP = "default-src 'none'; sandbox"
# A preview is read by the page itself (an <img>, or PDF.js fetching the bytes), never framed.
PREVIEW_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def send_stored(stored_name: str, *, name: str, mimetype: str, audit_event, preview=False):
    """Serve a stored file to an authorised user: audited, never cached, never run.

    ``audit_event`` writes the AuditEvent (the request commits it); it is called only once
    the file is open, so a missing file is a clear 404, not a recorded download. By default the
    file is an attachment under ``default-src 'none'; sandbox``; ``preview`` serves it inline for
    the page's own <img> or PDF.js, still sandboxed and never framed (PDF and images only — the
    caller checks the type).
    """
    try:
        handle = storage().open(stored_name)
    except FileNotFoundError:
        current_app.logger.error("Stored file missing: %s", stored_name)
        abort(404, "O arquivo não foi encontrado no armazenamento. Avise a SEGES.")
    audit_event()
    response = send_file(handle, mimetype=mimetype, as_attachment=not preview,
                         download_name=download_name(name, mimetype), max_age=0, etag=False)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP if preview else ATTACHMENT_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
