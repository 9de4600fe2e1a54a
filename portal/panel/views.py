"""Painel da Rede (SEGES): progress by partner, the partner × goal matrix, exports."""

import csv
import io

from flask import Response, request
from flask_login import current_user, login_required
from openpyxl import Workbook

from portal.auth.policy import require
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.core.spreadsheets import XLSX_MIMETYPE, csv_row, xlsx_row
from portal.panel import bp
from portal.panel import services as panel
from portal.panel.forms import PanelFilterForm

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
def panel_page():
    require(current_user, "network.panel")
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
    for row in panel.paginate_all(_query(form)):
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


@bp.get("/painel.csv")
@login_required
def panel_csv():
    require(current_user, "network.panel")
    form = _form()

    # Built whole inside the request: one row per partner (6,000 at most, about 1 MB), and
    # a streamed body would outlive the request's database session.
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(COLUMNS)
    writer.writerows(csv_row(row) for row in _export_rows(form))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="painel-da-rede-{local_today()}.csv"'
        },
    )


@bp.get("/painel.xlsx")
@login_required
def panel_xlsx():
    require(current_user, "network.panel")
    form = _form()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Painel da Rede")
    sheet.append(COLUMNS)
    for row in _export_rows(form):
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        headers={
            "Content-Type": XLSX_MIMETYPE,
            "Content-Disposition": f'attachment; filename="painel-da-rede-{local_today()}.xlsx"',
        },
    )
