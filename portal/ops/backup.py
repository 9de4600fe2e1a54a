"""``portal backup`` and ``portal restore``: one consistent archive of a whole instance.

The archive (``.tar.gz`` or ``.tar``) holds:

- ``database.sqlite3`` (SQLite) or ``database.sql`` (PostgreSQL, ``pg_dump --format=plain``);
- ``uploads/<path>``: the evidence files, under the same relative paths as in
  ``UPLOAD_FOLDER`` (``.tmp/`` and ``.orfaos/`` are left out);
- ``manifest.json`` (written last): format version, creation time (UTC), schema revision
  (``alembic_version``), database backend, the dump's own size and SHA-256, and every file's
  path, size and SHA-256.

Why this order gives a consistent archive while the portal keeps serving
------------------------------------------------------------------------
Evidence files are immutable: an upload writes a temp file, moves it into place under a
new random name and *then* commits its row; a removal commits first and deletes the file
after. So the database is snapshotted FIRST — SQLite through its online backup API
(``sqlite3.Connection.backup``, one step, a consistent read that includes what is still in
the WAL), PostgreSQL through ``pg_dump --snapshot`` of a snapshot exported by a
``REPEATABLE READ`` transaction — and the list of files to copy is read FROM THAT SNAPSHOT
(the SQLite copy itself, or the same exported PostgreSQL snapshot), never from the live
database. Every file the snapshot references was in place before the snapshot was taken,
so it is there to be copied; files uploaded afterwards are simply not referenced by it. A
file deleted by a concurrent removal after the snapshot is the one gap left: it is
reported as missing (a warning) and recorded under ``missing`` in the manifest.

Files in ``UPLOAD_FOLDER`` that the snapshot does not reference (orphans, or uploads that
committed after the snapshot) are archived too, marked ``"referenced": false``; a restore
puts them aside in ``.orfaos/restaurados-<timestamp>/`` so the restored instance is
self-consistent and nothing is lost.

Each file is hashed while it is copied into the archive (one read). ``portal restore``
extracts into a staging directory while hashing, checks every entry of the manifest (and
that nothing else is in the archive) before touching the instance, refuses a non-empty
instance unless ``--force``, restores the database and the files, then runs the migrations
so an archive from an older schema is brought to head.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask import current_app

from portal.core import cache
from portal.core.storage import CHUNK
from portal.extensions import db
from portal.ops.storage_check import (
    ORPHANS_DIR,
    expected_path,
    sha256_of,
    stored_files,
)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.sql"}
REF_QUERIES = {
    "evidence": "SELECT stored_name, size, sha256 FROM evidence "
    "WHERE kind = 'file' AND stored_name IS NOT NULL",
    "training_records": "SELECT stored_name, size, sha256 FROM training_records "
    "WHERE stored_name IS NOT NULL",
}


class OpsError(Exception):
    """A refusal with a one-line pt-BR message and the exit status for the command."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ArchiveInvalid(OpsError):
    exit_code = 2


class InstanceNotEmpty(OpsError):
    exit_code = 1


@dataclass
class Snapshot:
    path: Path
    member: str
    revision: str | None
    refs: dict[str, tuple[int | None, str | None]]  # stored_name → (size, sha256) in the rows


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)


def _now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _backend() -> str:
    name = db.engine.dialect.name
    if name not in DB_MEMBERS:
        raise OpsError(f"Banco de dados “{name}” não suportado pelo backup.")
    return name


def _upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


# Backup ------------------------------------------------------------------------------------


def _archive_target(dest: Path) -> tuple[Path, str]:
    if dest.is_dir() or str(dest).endswith(os.sep):
        dest = dest / f"portal-backup-{_now_stamp()}.tar.gz"
    name = dest.name
    if name.endswith((".tar.gz", ".tgz")):
        mode = "w:gz"
    elif name.endswith(".tar"):
        mode = "w"
    else:
        raise OpsError(f"Destino “{dest}”: use um nome terminado em .tar.gz ou .tar.")
    if dest.exists():
        raise OpsError(f"“{dest}” já existe; o backup não sobrescreve arquivos.")
    if not dest.parent.is_dir():
        raise OpsError(f"A pasta “{dest.parent}” não existe.")
    return dest, mode


def _sqlite_file() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise OpsError("Só é possível copiar um banco SQLite gravado em arquivo.")
    return Path(database)


def _libpq(url: sa.URL) -> tuple[str, dict]:
    """A libpq URI (no driver suffix, no password) and the environment carrying the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict, failure: str) -> None:
    """Run a PostgreSQL client; when it fails, its last error line goes into the OpsError."""
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        args, env=env, capture_output=True, check=False
    )
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise OpsError(f"{failure}: {detail[-1] if detail else result.returncode}")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise OpsError(f"“{name}” não encontrado no PATH (instale o cliente do PostgreSQL).")
    return path


def _read_refs(execute, table_exists) -> dict[str, tuple[int | None, str | None]]:
    refs: dict[str, tuple[int | None, str | None]] = {}
    for table, query in REF_QUERIES.items():
        if table_exists(table):
            for stored_name, size, sha in execute(query):
                refs[stored_name] = (size, sha)
    return refs


def _snapshot_sqlite(workdir: Path) -> Snapshot:
    source_path = _sqlite_file()
    if not source_path.is_file():
        raise OpsError(f"Banco SQLite “{source_path}” não encontrado.")
    out = workdir / DB_MEMBERS["sqlite"]
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(out)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        source.backup(target)  # pages=-1: one step, one consistent read (WAL included)
    finally:
        source.close()
    try:
        target.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file

        def exists(table):
            row = target.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)
            ).fetchone()
            return row is not None

        revision = None
        if exists("alembic_version"):
            versions = [r[0] for r in target.execute("SELECT version_num FROM alembic_version")]
            revision = ",".join(sorted(versions)) or None
        refs = _read_refs(lambda q: target.execute(q).fetchall(), exists)
    finally:
        target.close()
    return Snapshot(out, DB_MEMBERS["sqlite"], revision, refs)


def _snapshot_postgresql(workdir: Path) -> Snapshot:
    pg_dump = _tool("pg_dump")
    out = workdir / DB_MEMBERS["postgresql"]
    uri, env = _libpq(db.engine.url)
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
            snapshot_id = connection.scalar(sa.text("SELECT pg_export_snapshot()"))

            def exists(table):
                return connection.scalar(sa.text("SELECT to_regclass(:t)"), {"t": table})

            revision = None
            if exists("alembic_version"):
                versions = connection.scalars(sa.text("SELECT version_num FROM alembic_version"))
                revision = ",".join(sorted(versions)) or None
            refs = _read_refs(lambda q: connection.execute(sa.text(q)).all(), exists)
            # pg_dump sees exactly the snapshot the references above were read from.
            _run(
                [
                    pg_dump,
                    "--no-owner",
                    "--no-privileges",
                    "--format=plain",
                    f"--snapshot={snapshot_id}",
                    f"--file={out}",
                    f"--dbname={uri}",
                ],
                env,
                "pg_dump falhou",
            )
    return Snapshot(out, DB_MEMBERS["postgresql"], revision, refs)


class _HashingReader:
    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str) -> tuple[int, str] | None:
    """Copy one file into the archive while hashing it; None if it vanished first."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return None
    with fh:
        info = tar.gettarinfo(arcname=arcname, fileobj=fh)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mode = 0o600
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    return reader.size, reader.digest.hexdigest()


def create_backup(dest: Path) -> BackupResult:
    backend = _backend()
    target, mode = _archive_target(Path(dest))
    root = _upload_root()
    warnings: list[str] = []
    part = target.with_name(f".{target.name}.part")
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as workdir:
        snapshot = (
            _snapshot_sqlite(Path(workdir))
            if backend == "sqlite"
            else _snapshot_postgresql(Path(workdir))
        )
        db_size, db_sha = sha256_of(snapshot.path)
        files: list[dict] = []
        missing: list[str] = []
        referenced: dict[str, str] = {}
        for stored_name in snapshot.refs:
            if not stored_name or "/" in stored_name or stored_name.startswith("."):
                warnings.append(f"Nome de arquivo inválido no banco ignorado: {stored_name!r}.")
                continue
            referenced[expected_path(stored_name)] = stored_name
        kwargs = {"compresslevel": 6} if mode == "w:gz" else {}
        try:
            with tarfile.open(part, mode, format=tarfile.PAX_FORMAT, **kwargs) as tar:
                tar.add(snapshot.path, arcname=snapshot.member, recursive=False)
                for relative in sorted(referenced):
                    copied = _add_file(tar, root / relative, f"{UPLOADS}/{relative}")
                    if copied is None:
                        missing.append(relative)
                        warnings.append(f"Arquivo referenciado ausente: {relative}.")
                        continue
                    size, sha = copied
                    row_size, row_sha = snapshot.refs[referenced[relative]]
                    if (row_size is not None and row_size != size) or (row_sha and row_sha != sha):
                        warnings.append(
                            f"Arquivo {relative} difere do registrado no banco "
                            "(copiado como está; rode “portal storage check”)."
                        )
                    files.append(
                        {
                            "path": f"{UPLOADS}/{relative}",
                            "size": size,
                            "sha256": sha,
                            "referenced": True,
                        }
                    )
                for relative in stored_files(root):
                    if relative in referenced:
                        continue
                    copied = _add_file(tar, root / relative, f"{UPLOADS}/{relative}")
                    if copied is not None:
                        files.append(
                            {
                                "path": f"{UPLOADS}/{relative}",
                                "size": copied[0],
                                "sha256": copied[1],
                                "referenced": False,
                            }
                        )
                manifest = {
                    "format_version": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "schema_revision": snapshot.revision,
                    "database_backend": backend,
                    "database": {"path": snapshot.member, "size": db_size, "sha256": db_sha},
                    "files": files,
                    "missing": missing,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                info.mtime = int(datetime.now(UTC).timestamp())
                tar.addfile(info, io.BytesIO(data))
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
    return BackupResult(target, manifest, warnings)


# Restore -----------------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        return False
    if len(path.parts) == 1:
        return name == MANIFEST or name in DB_MEMBERS.values()
    return path.parts[0] == UPLOADS


def _extract_and_verify(archive: Path, stage: Path) -> dict:
    """Extract every member into ``stage`` while hashing; check them all against the manifest."""
    seen: dict[str, tuple[int, str]] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or not _safe_member(name):
                    raise ArchiveInvalid(f"Backup inválido: membro inesperado “{name}”.")
                if name in seen:
                    raise ArchiveInvalid(f"Backup inválido: “{name}” aparece duas vezes.")
                out = stage / name
                out.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with tar.extractfile(member) as src, out.open("wb") as dst:
                    while chunk := src.read(CHUNK):
                        size += len(chunk)
                        digest.update(chunk)
                        dst.write(chunk)
                seen[name] = (size, digest.hexdigest())
            # Read a compressed archive to its end so gzip checks its CRC (headers included).
            while tar.fileobj.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile):
        raise ArchiveInvalid(f"Backup ilegível ou corrompido: {archive.name}.") from None

    if MANIFEST not in seen:
        raise ArchiveInvalid("Backup inválido: manifest.json ausente.")
    try:
        manifest = json.loads((stage / MANIFEST).read_text(encoding="utf-8"))
        entries = [manifest["database"], *manifest["files"]]
        version = manifest["format_version"]
        backend = manifest["database_backend"]
        expected = {e["path"]: (int(e["size"]), str(e["sha256"])) for e in entries}
    except (ValueError, KeyError, TypeError) as error:
        raise ArchiveInvalid(f"Backup inválido: manifest.json ilegível ({error}).") from None
    if version != FORMAT_VERSION:
        raise ArchiveInvalid(
            f"Backup no formato {version}; este portal lê o formato {FORMAT_VERSION}."
        )
    if DB_MEMBERS.get(backend) != manifest["database"]["path"]:
        raise ArchiveInvalid("Backup inválido: banco de dados do manifesto inconsistente.")
    for path, (size, sha) in expected.items():
        if path not in seen:
            raise ArchiveInvalid(f"Backup inválido: “{path}” está no manifesto e falta no arquivo.")
        if seen[path] != (size, sha):
            raise ArchiveInvalid(
                f"Backup corrompido: “{path}” não confere com o manifesto (tamanho ou SHA-256)."
            )
    extra = set(seen) - set(expected) - {MANIFEST}
    if extra:
        raise ArchiveInvalid(f"Backup inválido: “{sorted(extra)[0]}” não está no manifesto.")
    return manifest


def _migrations_directory() -> str:
    return current_app.extensions["migrate"].directory


def _check_revision(manifest: dict) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    revision = manifest.get("schema_revision")
    if not revision:
        raise ArchiveInvalid("Backup sem revisão de esquema (alembic_version): não restaurado.")
    config = Config()
    config.set_main_option("script_location", _migrations_directory())
    scripts = ScriptDirectory.from_config(config)
    for rev in revision.split(","):
        try:
            known = scripts.get_revision(rev)
        except Exception:
            known = None
        if known is None:
            raise ArchiveInvalid(
                f"O backup tem a revisão de esquema “{rev}”, desconhecida deste código "
                "(backup de uma versão mais nova do portal?)."
            )


def instance_contents() -> list[str]:
    """Why the instance is not empty (pt-BR), or an empty list."""
    reasons = []
    existing = set(sa.inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if (
                table.name in existing
                and connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
            ):
                reasons.append(f"a tabela {table.name} tem registros")
                break
    files = next(stored_files(_upload_root()), None)
    if files is not None:
        reasons.append(f"{_upload_root()} tem arquivos")
    return reasons


def _restore_sqlite(source: Path) -> None:
    target = _sqlite_file()
    db.session.remove()
    db.engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.restauracao")
    shutil.copyfile(source, tmp)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, target)


def _restore_postgresql(source: Path) -> None:
    psql = _tool("psql")
    uri, env = _libpq(db.engine.url)
    db.session.remove()
    existing = sa.inspect(db.engine).get_table_names()
    if existing:
        # Only reached for an instance without rows, or with --force.
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    db.engine.dispose()
    _run(
        [
            psql,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            f"--file={source}",
            f"--dbname={uri}",
        ],
        env,
        "psql falhou ao restaurar",
    )


def _restore_uploads(manifest: dict, stage: Path, *, force: bool) -> None:
    root = _upload_root()
    stamp = _now_stamp()
    if force:  # what was there is put aside, never deleted
        aside = root / ORPHANS_DIR / f"substituidos-{stamp}"
        for relative in list(stored_files(root)):
            target = aside / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(root / relative, target)
    for entry in manifest["files"]:
        relative = entry["path"][len(UPLOADS) + 1 :]
        if entry.get("referenced", True):
            target = root / relative
        else:
            target = root / ORPHANS_DIR / f"restaurados-{stamp}" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(stage / entry["path"], target)


def restore_backup(archive: Path, *, force: bool = False) -> dict:
    from flask_migrate import upgrade

    archive = Path(archive)
    backend = _backend()
    root = _upload_root()
    stage_parent = root.parent if root.parent.is_dir() else None
    stage = Path(tempfile.mkdtemp(prefix=".portal-restauracao-", dir=stage_parent))
    try:
        manifest = _extract_and_verify(archive, stage)
        if manifest["database_backend"] != backend:
            raise ArchiveInvalid(
                f"O backup é de um banco {manifest['database_backend']}; esta instância usa "
                f"{backend}."
            )
        _check_revision(manifest)
        reasons = instance_contents()
        if reasons and not force:
            raise InstanceNotEmpty(
                f"A instância não está vazia ({'; '.join(reasons)}); use --force para "
                "sobrescrevê-la."
            )
        database = stage / manifest["database"]["path"]
        if backend == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database)
        _restore_uploads(manifest, stage, force=force)
        db.engine.dispose()
        upgrade(directory=_migrations_directory())
        db.engine.dispose()
        cache.clear()
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return manifest
