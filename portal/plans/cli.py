"""``portal plan …``: read a Plano de Trabalho without touching the database.

``plan`` is a :class:`flask.cli.AppGroup`, so the factory can register it with
``app.cli.add_command(plan)``. ``plan parse`` needs no application (it is
declared with ``with_appcontext=False``), so it also runs from a bare click
invocation, e.g. in tests.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click
from flask.cli import AppGroup

from portal.core.exceptions import DomainError
from portal.core.formatting import format_date
from portal.extensions import db
from portal.plans.importer import PlanParseError, parse_plan
from portal.plans.services import import_plan
from portal.schedule.engine import describe_schedule

plan = AppGroup("plan", help="Plano de Trabalho: leitura e importação.")

_SPHERES = {
    "federal": "federal",
    "estadual": "estadual",
    "municipal": "municipal",
    "distrital": "distrital",
    "outra": "outra",
}
_RESPONSIBLE = {"seges": "SEGES", "partner": "partícipe", "both": "SEGES e partícipe"}
NEEDS_REVIEW_EXIT = 3  # ``plan import --strict``: some row of the cronograma needs review


def _or_dash(value: Any) -> str:
    return str(value) if value not in (None, "") else "—"


def _iso_to_br(value: str | None) -> str:
    if not value:
        return "—"
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"


def format_summary(result: dict[str, Any]) -> str:
    """The human-readable pt-BR summary printed by ``plan parse``."""
    agreement = result["agreement"]
    lines = [
        f"Instrumento: {_or_dash(agreement['kind'])} nº {_or_dash(agreement['number'])}"
        f" — Plano de Trabalho nº {_or_dash(agreement['work_plan_number'])}",
    ]
    process = agreement["sei_process"]
    if process:
        check = "válido" if agreement["sei_process_valid"] else "dígitos verificadores inválidos"
        lines.append(f"Processo SEI: {process} ({check})")
    else:
        lines.append("Processo SEI: —")
    lines.append(f"Assinado em: {_iso_to_br(agreement['signed_on'])}")
    axes = ", ".join(str(axis) for axis in agreement["axes"]) or "—"
    lines.append(f"Eixos de atuação: {axes}")
    lines.append("Partícipes:")
    for party in agreement["parties"]:
        name = _or_dash(party["name"])
        if party["acronym"]:
            name += f" ({party['acronym']})"
        cnpj = _or_dash(party["cnpj"])
        cnpj_check = "válido" if party["cnpj_valid"] else "inválido"
        signatory = party["signatory"]
        lines.append(f"  - {name}, esfera {_SPHERES.get(party['sphere'], party['sphere'])}")
        lines.append(f"    CNPJ {cnpj} ({cnpj_check})")
        details = ", ".join(
            str(value) for value in (signatory["role"], signatory["registration"]) if value
        )
        lines.append(
            f"    Signatário: {_or_dash(signatory['name'])}" + (f" ({details})" if details else "")
        )
    goals = result["goals"]
    counts = {key: sum(1 for goal in goals if goal["responsible"] == key) for key in _RESPONSIBLE}
    lines.append(
        f"Metas: {len(goals)} (SEGES: {counts['seges']}, partícipe: {counts['partner']},"
        f" ambos: {counts['both']})"
    )
    for goal in goals:
        review = " [revisar]" if goal["needs_review"] else ""
        lines.append(
            f"  {goal['code']:<5} {describe_schedule(goal['schedule'])}"
            f" — {_RESPONSIBLE[goal['responsible']]}{review}"
        )
    flagged = sum(1 for goal in goals if goal["needs_review"])
    lines.append(f"Metas a revisar: {flagged}")
    adherent = ", ".join(result["adherent_goal_codes"]) or "—"
    lines.append(f"Metas do aderente: {adherent}")
    if result["warnings"]:
        lines.append(f"Avisos ({len(result['warnings'])}):")
        lines.extend(f"  - {warning}" for warning in result["warnings"])
    else:
        lines.append("Avisos: nenhum")
    return "\n".join(lines)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise _Unreadable(f"arquivo não encontrado: {path}") from None
    except IsADirectoryError:
        raise _Unreadable(f"{path} é um diretório, não um arquivo") from None
    except PermissionError:
        raise _Unreadable(f"sem permissão para ler {path}") from None
    except OSError as error:
        raise _Unreadable(f"não foi possível ler {path} ({error.strerror or error})") from None


class _Unreadable(Exception):
    pass


def _fail(message: str) -> NoReturn:
    click.echo(f"Erro: {' '.join(message.split())}", err=True)
    raise click.exceptions.Exit(2)


def _refuse_unsure_rows(parsed: dict[str, Any]) -> None:
    """``--strict``: nothing is imported while any row of the cronograma needs review."""
    flagged = [goal for goal in parsed["goals"] if goal["needs_review"]]
    if not flagged:
        return
    db.session.rollback()
    click.echo(
        f"Erro: {len(flagged)} meta(s) precisam de revisão; nada foi importado (--strict).",
        err=True,
    )
    for goal in flagged:
        for warning in goal["warnings"]:
            click.echo(f"  Meta {goal['code']}: {warning}", err=True)
    raise click.exceptions.Exit(NEEDS_REVIEW_EXIT)


@plan.command("parse", with_appcontext=False)
@click.argument("file", metavar="ARQUIVO")
@click.option("--json", "as_json", is_flag=True, help="Imprime a estrutura completa em JSON.")
def parse_command(file: str, as_json: bool) -> None:
    """Lê ARQUIVO (exportação do SEI em texto ou HTML; "-" lê a entrada padrão)
    e mostra o que seria importado, sem gravar nada."""
    try:
        data = _read(file)
        result = parse_plan(data)
    except _Unreadable as error:
        _fail(str(error))
    except PlanParseError as error:
        _fail(str(error))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(format_summary(result))


@plan.command("import")
@click.argument("file", metavar="ARQUIVO")
@click.option(
    "--start",
    "start",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Início da vigência (AAAA-MM-DD), definido pela publicação.",
)
@click.option("--years", default=5, show_default=True, type=int, help="Duração em anos.")
@click.option("--number", default=None, help="Número do acordo, se diferente do documento.")
@click.option(
    "--strict",
    is_flag=True,
    help=f"Não importa nada (código de saída {NEEDS_REVIEW_EXIT}) se alguma meta precisar de "
    "revisão.",
)
def import_command(file: str, start, years: int, number: str | None, strict: bool) -> None:
    """Importa ARQUIVO: cria instituições, acordo e metas e gera as entregas (sem duplicar)."""
    try:
        parsed = parse_plan(_read(file))
        if strict:
            _refuse_unsure_rows(parsed)
        agreement, created = import_plan(parsed, start=start.date(), years=years, number=number)
        db.session.commit()
    except _Unreadable as error:
        _fail(str(error))
    except PlanParseError as error:
        _fail(str(error))
    except DomainError as error:
        _fail(error.message)
    verb = "importado" if created else "já existia; entregas que faltavam foram geradas"
    click.echo(
        f"{agreement.title} {verb}: {len(agreement.goals)} metas, vigência "
        f"{format_date(agreement.term_start)} a {format_date(agreement.term_end)}."
    )
    for warning in parsed["warnings"]:
        click.echo(f"Aviso: {warning}")
