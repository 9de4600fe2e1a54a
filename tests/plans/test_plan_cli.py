"""``plan parse`` (portal.plans.cli), invoked directly, without an app."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import AppGroup

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
    assert "'21' read as goal 2.1 in the adherent list" in out


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
