"""``plan parse`` (portal.plans.cli), invoked directly, without an app; ``plan import
--strict`` through the application's CLI runner."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import AppGroup
from sqlalchemy import func

from portal.agreements.models import Agreement
from portal.extensions import db
from portal.plans.cli import plan
from portal.plans.importer import parse_plan, read_seed_plan

HTML_EXPORT = Path(__file__).parent / "data" / "plano-de-trabalho-act-160-2025-mg.html"


def make_runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into output unless told not to
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


@pytest.fixture
def seed_file(tmp_path) -> Path:
    path = tmp_path / "plano.txt"
    path.write_bytes(read_seed_plan())
    return path


def test_parse_json_prints_the_importer_structure(seed_file):
    result = make_runner().invoke(plan, ["parse", str(seed_file), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == parse_plan(read_seed_plan())
    goals = json.loads(result.stdout)["goals"]
    assert all(isinstance(goal["warnings"], list) for goal in goals)
    assert [goal["code"] for goal in goals if goal["needs_review"]] == ["2.1"]
    assert "Secretaria de Gestão e Inovação" in result.stdout  # ensure_ascii=False
    assert '\n  "agreement": {' in result.stdout  # indent=2
    assert result.stderr == ""


def test_parse_html_export_json():
    result = make_runner().invoke(plan, ["parse", str(HTML_EXPORT), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == parse_plan(read_seed_plan())


def test_parse_prints_a_portuguese_summary(seed_file):
    result = make_runner().invoke(plan, ["parse", str(seed_file)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Instrumento: ACT nº 160/2025 — Plano de Trabalho nº 01/2025" in out
    assert "Processo SEI: 19973.011749/2025-70 (válido)" in out
    assert "Assinado em: 24/09/2025" in out
    assert "CNPJ 00.489.828/0001-55 (válido)" in out
    assert "Secretaria de Estado de Casa Civil – MG (SCC), esfera estadual" in out
    assert "Metas: 23 (SEGES: 5, partícipe: 7, ambos: 11)" in out
    assert "Uma vez, até 15 dias após o início — partícipe" in out
    assert "Metas do aderente: 1.1, 1.5, 1.6, 2.1, 2.2, 2.3, 3.2, 3.3, 3.4, 3.5" in out
    assert "2.1   Anual — SEGES e partícipe [revisar]" in out
    assert "Metas a revisar: 1" in out
    assert "Meta 2.1: “21” na lista de metas dos aderentes foi lido como 2.1; confira" in out


def test_parse_reads_standard_input():
    result = make_runner().invoke(plan, ["parse", "-", "--json"], input=read_seed_plan())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["agreement"]["number"] == "160/2025"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Erro: O arquivo está vazio."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "Erro: O arquivo é uma imagem PNG"),
        ("Ata da reunião de condomínio.\n".encode(), "Erro: O arquivo não é um Plano de Trabalho"),
    ],
    ids=["empty", "png", "not a plan"],
)
def test_parse_error_is_one_line_on_stderr_with_status_2(tmp_path, content, message):
    path = tmp_path / "arquivo"
    path.write_bytes(content)
    result = make_runner().invoke(plan, ["parse", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_file_is_one_line_on_stderr_with_status_2(tmp_path, kind):
    path = tmp_path / "nao-existe.txt" if kind == "missing" else tmp_path
    result = make_runner().invoke(plan, ["parse", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Erro: ")
    assert result.stderr.count("\n") == 1
    assert str(path) in result.stderr


def test_parse_writes_nothing(tmp_path, seed_file):
    before = sorted(p.name for p in tmp_path.iterdir())
    make_runner().invoke(plan, ["parse", str(seed_file), "--json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_group_is_a_flask_app_group_with_parse():
    assert isinstance(plan, AppGroup)
    assert plan.name == "plan"
    assert "parse" in plan.commands


# ``plan import --strict`` (needs the application: it writes to the database) ------------


def _agreements() -> int:
    return db.session.scalar(db.select(func.count(Agreement.id)))


def test_import_strict_refuses_a_plan_with_rows_to_review_and_writes_nothing(
    app, users, seed_file
):
    before = _agreements()
    result = app.test_cli_runner().invoke(
        args=["plan", "import", str(seed_file), "--start", "2025-10-01", "--strict"]
    )
    assert result.exit_code == 3, result.output
    assert "1 meta(s) precisam de revisão; nada foi importado (--strict)" in result.output
    assert "Meta 2.1: “21” na lista de metas dos aderentes foi lido como 2.1" in result.output
    db.session.rollback()
    assert _agreements() == before


def test_import_strict_imports_a_plan_read_with_certainty(app, users, tmp_path):
    clean_plan = tmp_path / "plano.txt"
    clean_plan.write_bytes(read_seed_plan().replace(b"1.6, 21, 2.2", b"1.6, 2.1, 2.2"))
    assert not any(goal["needs_review"] for goal in parse_plan(clean_plan.read_bytes())["goals"])
    result = app.test_cli_runner().invoke(
        args=["plan", "import", str(clean_plan), "--start", "2025-10-01", "--strict"]
    )
    assert result.exit_code == 0, result.output
    assert "ACT nº 160/2025 importado: 23 metas" in result.output
