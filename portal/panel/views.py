"""Painel da Rede (SEGES): progress by partner, the partner × goal matrix, exports."""

from flask import Blueprint, request
from flask_login import current_user, login_required

from portal.core.access import Action, authorise, require
from portal.core.clock import local_today
from portal.core.database import stream_rows
from portal.core.htmx import render
from portal.core.spreadsheets import send_table
from portal.panel import services as panel
from portal.panel.forms import PanelFilterForm

bp = Blueprint("panel", __name__)

COLUMNS = [
    "Parceiro",
    "Sigla",
    "UF",
    "Elo",
    "Esfera",
    "Camada",
    "Com data vencida até hoje",
    "Aprovadas",
    "Progresso (%)",
    "Atrasadas (prazo do plano ou padrão SEGES)",
    "Relatos de acompanhamento atrasados (SEGES)",
    "Aguardando análise",
    "Devolvidas",
]


def _form() -> PanelFilterForm:
    form = PanelFilterForm(request.args)
    form.validate()
    return form


def _query(form: PanelFilterForm):
    return panel.progress_query(
        form.to_filters(),
        local_today(),
        sort=form.ordem.data or "nome",
        descending=form.direcao.data == "desc",
    )


@bp.get("/painel")
@login_required
@authorise(Action.NETWORK_PANEL)
def panel_page():
    form = _form()
    page = panel.progress_page(
        form.to_filters(),
        local_today(),
        sort=form.ordem.data or "nome",
        descending=form.direcao.data == "desc",
    )
    codes, cells = ([], {})
    if request.args.get("visao") == "matriz":
        codes, cells = panel.matrix([row.id for row in page.items], form.to_filters())
    return render(
        "panel/panel.html",
        "panel/_panel.html",
        form=form,
        page=page,
        totals=panel.cached_totals(form.to_filters(), local_today()),
        codes=codes,
        cells=cells,
        view=request.args.get("visao", "tabela"),
    )


def _export_rows(form: PanelFilterForm):
    for row in stream_rows(_query(form)):
        yield [
            row.name,
            row.acronym or "",
            row.uf or "",
            row.elo,
            row.sphere,
            "2ª" if row.parent_id else "1ª",
            row.due,
            row.done,
            round(row.percent),
            row.overdue,
            row.followup_late,
            row.waiting,
            row.returned,
        ]


def _export(fmt: str):
    require(current_user, Action.NETWORK_PANEL)
    # Built whole inside the request (not streamed): one row per partner, 6,000 at most.
    return send_table(
        _export_rows(_form()), COLUMNS, f"painel-da-rede-{local_today()}", fmt,
        sheet="Painel da Rede",
    )


@bp.get("/painel.csv")
@login_required
def panel_csv():
    return _export("csv")


@bp.get("/painel.xlsx")
@login_required
def panel_xlsx():
    return _export("xlsx")
