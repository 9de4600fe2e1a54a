"""portal storage check: sizes and hashes of every referenced file, orphans listed and moved."""

import os
import time
from pathlib import Path

from portal.core.storage import storage
from portal.ops import storage_check
from tests.factories import invoke


def _path(stored_name) -> Path:
    """Where the portal's storage keeps the file."""
    return storage().path(stored_name)


def _old(path: Path) -> None:
    stamp = time.time() - 2 * storage_check.ORPHAN_GRACE
    os.utime(path, (stamp, stamp))


def test_clean_storage_passes(app, evidence):
    result = invoke(app, "storage", "check")
    assert result.exit_code == 0, result.output
    assert "4 arquivos verificados; 0 problemas; 0 órfãos" in result.output


def test_corrupted_missing_resized_and_orphan_files_are_reported(app, evidence):
    corrupted, missing, resized = evidence
    path = _path(corrupted.stored_name)
    data = bytearray(path.read_bytes())
    data[5] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(data))
    _path(missing.stored_name).unlink()
    _path(resized.stored_name).write_bytes(b"%PDF-1.4 curto")
    orphan = Path(app.config["UPLOAD_FOLDER"]) / "ff" / ("ff" + "0" * 30)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"sem registro")
    (Path(app.config["UPLOAD_FOLDER"]) / ".tmp" / "upload-x").write_bytes(b"em andamento")

    result = invoke(app, "storage", "check")
    assert result.exit_code == 1
    out = result.output
    assert f"Evidência {corrupted.id} (“relatorio-a.pdf”): SHA-256 divergente" in out
    assert f"Evidência {missing.id} (“relatorio-b.pdf”): arquivo ausente" in out
    assert f"Evidência {resized.id} (“relatorio-c.pdf”): tamanho divergente" in out
    assert f"Arquivo órfão (sem registro): ff/ff{'0' * 30}" in out
    assert "upload-x" not in out  # uploads in progress are not orphans
    assert orphan.exists()


def test_repair_orphans_moves_them_aside_never_deletes(app, evidence):
    root = Path(app.config["UPLOAD_FOLDER"])
    orphan = root / "ab" / "ab123"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"sem registro")
    _old(orphan)
    stray = root / "solto.txt"
    stray.write_bytes(b"fora do lugar")
    _old(stray)

    result = invoke(app, "storage", "check", "--repair-orphans")
    assert result.exit_code == 0, result.output
    assert "2 órfãos, 2 movidos" in result.output
    assert not orphan.exists() and not stray.exists()
    [folder] = (root / ".orfaos").iterdir()
    assert (folder / "ab" / "ab123").read_bytes() == b"sem registro"
    assert (folder / "solto.txt").read_bytes() == b"fora do lugar"

    again = invoke(app, "storage", "check")
    assert again.exit_code == 0, again.output


def test_recent_orphan_is_listed_but_not_moved(app, evidence):
    fresh = Path(app.config["UPLOAD_FOLDER"]) / "cd" / "cd999"
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(b"talvez um upload sendo gravado")
    result = invoke(app, "storage", "check", "--repair-orphans")
    assert result.exit_code == 1
    assert "cd/cd999 (recente; não movido)" in result.output
    assert fresh.exists()
