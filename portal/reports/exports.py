"""The compiled report as a PDF (WeasyPrint, from the HTML template) and as an XLSX workbook."""

import functools
import io
import mimetypes
from pathlib import Path

from flask import current_app
from openpyxl import Workbook
from openpyxl.styles import Font
from werkzeug.security import safe_join

from portal.core.spreadsheets import xlsx_row
from portal.reports.services import Report

# Relative URLs in the print template (url_for('static', ...)) resolve against this base,
# which the fetcher below maps onto the static folder. Nothing else is ever fetched.
PRINT_BASE_URL = "https://relatorio.invalid/"


def to_pdf(document_html: str) -> bytes:
    """The print rendering of the report page (same template, print stylesheet)."""
    # WeasyPrint is imported here, not with the module: loading it (its Pango bindings) took
    # 0.5 s of every process that starts the app (each gunicorn worker, the CLI, cron's
    # reminders), and only this renders a PDF.
    from weasyprint import HTML

    fetcher = static_only_fetcher(current_app.static_folder)
    return HTML(string=document_html, base_url=PRINT_BASE_URL, url_fetcher=fetcher).write_pdf()


def static_only_fetcher(static_folder: str):
    """WeasyPrint's URL fetcher for the report: files of ``static/``, nothing else."""
    return _static_only_fetcher_class()(static_folder)


@functools.cache
def _static_only_fetcher_class() -> type:
    """The fetcher's class, built on first use (it extends WeasyPrint's, see :func:`to_pdf`)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves files of ``static/`` to WeasyPrint and refuses every other URL (no network)."""

        def __init__(self, static_folder: str):
            super().__init__(allowed_protocols=("https",), allow_redirects=False)
            self.static_folder = static_folder

        def fetch(self, url, headers=None):
            prefix = f"{PRINT_BASE_URL}static/"
            if not url.startswith(prefix):
                raise ValueError(f"O relatório não busca recursos externos: {url}")
            path = safe_join(self.static_folder, url[len(prefix):].split("?")[0].split("#")[0])
            if path is None or not Path(path).is_file():
                raise ValueError(f"Arquivo estático inexistente: {url}")
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, Path(path).read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyFetcher


def to_xlsx(report: Report) -> bytes:
    """One sheet per table of the report; numbers stay numbers, dates stay dates."""
    workbook = Workbook()
    totals = workbook.active
    totals.title = "Totais"
    t = report.totals
    _table(
        totals,
        ["Indicador", "Valor"],
        [
            ["Ano", report.year],
            ["Decisões consideradas até", report.closing_date],
            ["Parceiros", t.partners],
            ["Parceiros de 1ª camada", t.first_layer],
            ["Parceiros de 2ª camada (aderentes)", t.second_layer],
            ["Entregas devidas no ano", t.due],
            ["Entregas cumpridas", t.met],
            ["Entregas não cumpridas", t.not_met],
            ["Cumprimento (%)", t.percent],
            ["Horas de capacitação", t.training_hours],
            ["Capacitações realizadas", t.training_courses],
            ["Participantes capacitados", t.participants],
            ["Parceiros com meta de horas", t.partners_with_target],
            ["Parceiros que atingiram a meta de horas", t.partners_reaching_target],
            ["Adesões assinadas no ano", t.adhesions],
            ["Eventos no ano" if report.institution is None else "Convites para eventos", t.events],
            ["Presenças registradas em eventos", t.attendances],
        ],
        widths=[44, 14],
    )
    _table(
        workbook.create_sheet("Por eixo"),
        ["Eixo", "Meta", "Descrição", "Devidas", "Cumpridas", "Cumprimento (%)",
         "Parceiros que cumpriram"],
        [
            [section.label, goal.code, goal.description, goal.due, goal.met, goal.percent,
             goal.partners_met]
            for section in report.axes
            for goal in section.goals
        ],
        widths=[36, 8, 60, 10, 10, 16, 22],
    )
    names = {p.institution_id: p.name for p in report.partners}
    _table(
        workbook.create_sheet("Por parceiro"),
        ["Parceiro", "Sigla", "UF", "Elo", "Camada", "Devidas", "Cumpridas", "Cumprimento (%)",
         "Horas de capacitação", "Meta de horas", "Capacitações", "Participantes", "Adesões",
         "Convites para eventos", "Presenças em eventos", "Aderente de"],
        [
            [p.name, p.acronym, p.uf, p.elo, p.layer, p.due, p.met, p.percent,
             p.training_hours, p.target_hours, p.training_courses, p.participants, p.adhesions,
             p.events_invited, p.events_attended, names.get(p.parent_id)]
            for p in report.partners
        ],
        widths=[50, 12, 6, 18, 8, 10, 10, 16, 20, 14, 14, 14, 10, 20, 20, 40],
    )
    _table(
        workbook.create_sheet("Destaques"),
        ["Parceiro", "Meta", "Período", "Prazo", "Trecho do relato"],
        [[h.institution, h.goal_code, h.period_label, h.due_on, h.excerpt]
         for h in report.highlights],
        widths=[24, 8, 30, 12, 100],
    )
    if report.institution is not None:
        _table(
            workbook.create_sheet("Entregas"),
            ["Meta", "Período", "Prazo", "Situação no relatório", "Aprovada em"],
            [[d.goal_code, d.period_label, d.due_on, d.situation, d.approved_on]
             for d in report.deliverables],
            widths=[8, 40, 12, 24, 14],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _table(sheet, header: list[str], rows: list[list], widths: list[int]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.is_date:
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
