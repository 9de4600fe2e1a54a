"""portal backup / portal restore: a consistent archive, verified before anything is written."""

import io
import json
import tarfile
import threading
from pathlib import Path

from flask_migrate import downgrade

from portal.agreements.models import Goal
from portal.auth.models import User
from portal.deliverables.models import Deliverable, Evidence
from portal.extensions import db
from portal.ops.storage_check import expected_path, stored_files
from tests import factories
from tests.factories import invoke


def _rows(target_app) -> dict[str, list[tuple]]:
    """Every row of every table of the portal, in primary-key order."""
    with target_app.app_context():
        with db.engine.connect() as connection:
            tables = {}
            for table in db.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execute(db.select(table).order_by(*order))
                tables[table.name] = [tuple(row) for row in rows]
        db.engine.dispose()
    return tables


def _keyed_rows(target_app) -> dict[str, dict[tuple, tuple]]:
    """Every row of every table, by primary key."""
    keyed = {}
    for name, rows in _rows(target_app).items():
        table = db.metadata.tables[name]
        positions = [list(table.columns).index(c) for c in table.primary_key.columns]
        keyed[name] = {tuple(row[i] for i in positions): row for row in rows}
    return keyed


def _files(target_app) -> dict[str, bytes]:
    root = Path(target_app.config["UPLOAD_FOLDER"])
    return {relative: (root / relative).read_bytes() for relative in stored_files(root)}


def _manifest(archive) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def _head(target_app) -> str:
    with target_app.app_context():
        with db.engine.connect() as connection:
            head = connection.scalar(db.text("SELECT version_num FROM alembic_version"))
        db.engine.dispose()
    return head


def test_round_trip_restores_every_row_and_file(app, evidence, second_app, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    result = invoke(app, "backup", archive)
    assert result.exit_code == 0, result.output
    assert "Backup gravado" in result.output

    manifest = _manifest(archive)
    assert manifest["format_version"] == 1
    assert manifest["schema_revision"] == _head(app)
    assert manifest["database_backend"] == db.engine.dialect.name
    assert len(manifest["files"]) == 4  # three evidence files and the training list
    assert all(len(f["sha256"]) == 64 and f["referenced"] for f in manifest["files"])

    result = invoke(second_app, "restore", archive)
    assert result.exit_code == 0, result.output

    source, restored = _rows(app), _rows(second_app)
    assert source["evidence"] and source["training_records"]
    assert restored == source
    assert _files(second_app) == _files(app)
    assert len(_files(app)) == 4
    assert invoke(second_app, "storage", "check").exit_code == 0


def test_plain_tar_and_directory_destinations(app, evidence, tmp_path):
    result = invoke(app, "backup", tmp_path / "backup.tar")
    assert result.exit_code == 0, result.output
    with tarfile.open(tmp_path / "backup.tar") as tar:
        assert tar.getmember("manifest.json").isfile()

    folder = tmp_path / "backups"
    folder.mkdir()
    assert invoke(app, "backup", folder).exit_code == 0
    [made] = folder.iterdir()
    assert made.name.endswith(".tar.gz")

    again = invoke(app, "backup", tmp_path / "backup.tar")
    assert again.exit_code == 1 and "já existe" in again.output
    wrong = invoke(app, "backup", tmp_path / "backup.zip")
    assert wrong.exit_code == 1 and ".tar.gz" in wrong.output


def test_backup_during_a_stream_of_writes_is_self_consistent(app, act, users, second_app, tmp_path):
    member_id = users["partner_member"].id
    institution_id = users["partner_member"].institution_id
    deliverable_ids = db.session.scalars(
        db.select(Deliverable.id)
        .join(Goal)
        .where(Goal.agreement_id == act.id, Deliverable.institution_id == institution_id)
        .order_by(Deliverable.id)
        .limit(10)
    ).all()
    db.session.commit()  # the writer thread is another request: it sees committed rows
    stop, warmed_up = threading.Event(), threading.Event()
    written, errors = [0], []

    def writer():
        with app.app_context():
            try:
                by = db.session.get(User, member_id)
                while not stop.is_set() and written[0] < 20 * len(deliverable_ids):
                    deliverable = db.session.get(Deliverable, deliverable_ids[written[0] // 20])
                    tag = f"s{written[0]}"
                    factories.evidence(deliverable, by, f"relatorio-{tag}.pdf", factories.pdf(tag))
                    db.session.commit()  # one upload request each
                    written[0] += 1
                    if written[0] >= 5:
                        warmed_up.set()
            except Exception as error:
                errors.append(error)
            finally:
                warmed_up.set()
                db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        warmed_up.wait(60)
        before = written[0]
        archive = tmp_path / "durante.tar.gz"
        result = invoke(app, "backup", archive)
        after_backup = written[0]
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert before >= 5

    manifest = _manifest(archive)
    assert manifest["missing"] == []
    result = invoke(second_app, "restore", archive)
    assert result.exit_code == 0, result.output
    with second_app.app_context():
        restored = db.session.scalar(db.select(db.func.count(Evidence.id)))
        db.session.remove()
    assert before <= restored <= after_backup + 1
    check = invoke(second_app, "storage", "check")
    assert check.exit_code == 0, check.output
    assert f"{restored} arquivos verificados" in check.output

    # Every evidence row of the dump has its file in the archive, with the row's SHA-256.
    in_archive = {f["path"]: f["sha256"] for f in manifest["files"]}
    with second_app.app_context():
        rows = db.session.execute(
            db.select(Evidence.stored_name, Evidence.sha256).where(Evidence.kind == "file")
        ).all()
        db.session.remove()
    assert len(rows) == restored
    for stored_name, sha in rows:
        assert in_archive[f"uploads/{expected_path(stored_name)}"] == sha

    # Row by row and file by file, the restored instance is the source as it was at the
    # snapshot: nothing invented, nothing altered (a deliverable the writer reached after the
    # snapshot has since moved from "a fazer" to "em elaboração").
    db.session.remove()  # hand the test's connection back before _rows disposes the pool
    source, copy = _keyed_rows(app), _keyed_rows(second_app)
    for table, rows in copy.items():
        assert rows.keys() <= source[table].keys(), table
        if table not in ("deliverables", "cache_versions"):  # the writes went on: both moved
            assert all(source[table][key] == row for key, row in rows.items()), table
    source_files, restored_files = _files(app), _files(second_app)
    assert len(restored_files) == restored  # later uploads are set aside in .orfaos/
    for relative, data in restored_files.items():
        assert source_files[relative] == data, relative


def _rewrite(archive, out, change):
    """Copy a tar.gz member by member, passing each member's bytes through ``change``."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))


def _nothing_written(target_app) -> None:
    with target_app.app_context():
        tables = db.inspect(db.engine).get_table_names()
        db.engine.dispose()
    assert tables == []
    assert _files(target_app) == {}


def test_corrupted_member_is_refused_before_anything_is_written(
    app, evidence, second_app, tmp_path
):
    archive = tmp_path / "backup.tar.gz"
    assert invoke(app, "backup", archive).exit_code == 0

    def flip(name, data):
        if name.startswith("uploads/") and "flipped" not in flipped:
            flipped.add("flipped")
            return data[:10] + bytes([data[10] ^ 0x01]) + data[11:]
        return data

    flipped: set[str] = set()
    bad = tmp_path / "corrompido.tar.gz"
    _rewrite(archive, bad, flip)
    result = invoke(second_app, "restore", bad)
    assert result.exit_code == 2
    assert "não confere com o manifesto" in result.output
    assert len(result.output.strip().splitlines()) == 1
    _nothing_written(second_app)


def test_truncated_or_unreadable_archive_is_refused(app, evidence, second_app, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert invoke(app, "backup", archive).exit_code == 0
    truncated = tmp_path / "truncado.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = invoke(second_app, "restore", truncated)
    assert result.exit_code == 2 and "corrompido" in result.output

    # 64 bytes inverted inside the compressed stream: gzip's CRC (or inflate) fails. (One
    # flipped bit is not always damage: deflate ignores a few padding bits, and an archive
    # whose content is intact may be restored.)
    flipped = bytearray(archive.read_bytes())
    middle = len(flipped) // 2
    flipped[middle:middle + 64] = bytes(b ^ 0xFF for b in flipped[middle:middle + 64])
    damaged = tmp_path / "danificado.tar.gz"
    damaged.write_bytes(bytes(flipped))
    result = invoke(second_app, "restore", damaged)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1

    no_manifest = tmp_path / "sem-manifesto.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(no_manifest, "w:gz") as target:
        for member in source:
            if member.name != "manifest.json":
                target.addfile(member, source.extractfile(member))
    result = invoke(second_app, "restore", no_manifest)
    assert result.exit_code == 2 and "manifest.json ausente" in result.output
    _nothing_written(second_app)


def test_non_empty_instance_is_refused_without_force(app, evidence, second_app, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert invoke(app, "backup", archive).exit_code == 0
    assert invoke(second_app, "restore", archive).exit_code == 0

    result = invoke(second_app, "restore", archive)
    assert result.exit_code == 1
    assert "não está vazia" in result.output and "--force" in result.output

    result = invoke(second_app, "restore", archive, "--force")
    assert result.exit_code == 0, result.output
    assert _rows(second_app) == _rows(app)
    assert _files(second_app) == _files(app)
    # What was there before is put aside, never deleted.
    aside = list((Path(second_app.config["UPLOAD_FOLDER"]) / ".orfaos").glob("substituidos-*"))
    assert len(aside) == 1
    assert len([p for p in aside[0].rglob("*") if p.is_file()]) == 4


def test_older_archive_is_migrated_to_head(app, evidence, second_app, empty_instance, tmp_path):
    head = _head(app)
    archive = tmp_path / "atual.tar.gz"
    assert invoke(app, "backup", archive).exit_code == 0
    assert invoke(second_app, "restore", archive).exit_code == 0
    with second_app.app_context():
        downgrade(revision="0006")  # the instance as the previous release left it
        db.engine.dispose()
    older = tmp_path / "antigo.tar.gz"
    assert invoke(second_app, "backup", older).exit_code == 0
    assert _manifest(older)["schema_revision"] == "0006"

    with empty_instance(tmp_path / "terceira") as third:
        result = invoke(third, "restore", older)
        assert result.exit_code == 0, result.output
        assert _head(third) == head
        assert _rows(third)["evidence"] == _rows(app)["evidence"]
        assert invoke(third, "storage", "check").exit_code == 0
