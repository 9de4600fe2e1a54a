"""Relatório Anual: the network's report (SEGES) and each partner's contribution, as a page,
a PDF and an XLSX workbook compiled from the same data."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.core.access import Action, authorise, can, require
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.core.spreadsheets import XLSX_MIMETYPE, attachment
from portal.extensions import db
from portal.institutions.models import Institution
from portal.reports import charts as report_charts
from portal.reports import exports, services, snapshots
from portal.reports.forms import IntroductionForm

bp = Blueprint("reports", __name__, url_prefix="/relatorio-anual")


def _checked_year(year: int) -> int:
    services.check_year(year)  # a year out of range is a 404 (NotFound)
    return year


def _partner_or_404(institution_id: int) -> Institution:
    institution = db.get_or_404(Institution, institution_id)
    if institution.is_secretariat:
        abort(404)  # SEGES owes no contribution to its own report
    return institution


def _context(report: services.Report, endpoint: str, **url_args) -> dict:
    today = local_today()
    return {
        "report": report,
        "introduction": services.introduction_html(report.year)
        if report.institution is None
        else None,
        "years": services.years_with_data(today),
        "provisional": today <= report.closing_date,
        "year_endpoint": endpoint,
        "url_args": url_args,
        "can_edit": can(current_user, Action.ANNUAL_REPORT_EDIT),
        "highlight_chars": services.HIGHLIGHT_CHARS,
        "highlights_limit": services.HIGHLIGHTS_LIMIT,
        # The map and charts: drawn from the report's own numbers (?medida= shades the map).
        "charts": snapshots.charts(report, today, request.args.get("medida")),
        "measures": report_charts.MEASURES,
    }


def _pdf(report: services.Report, filename: str) -> Response:
    html = render_template("reports/print.html", **_context(report, ""), printing=True)
    return attachment(exports.to_pdf(html), "application/pdf", filename)


# The network's report (SEGES) ----------------------------------------------------------------


@bp.get("")
@login_required
@authorise(Action.ANNUAL_REPORT_VIEW)
def index():
    return _annual_page(services.default_year(local_today()))


@bp.get("/<int:year>")
@login_required
@authorise(Action.ANNUAL_REPORT_VIEW)
def annual(year: int):
    return _annual_page(_checked_year(year))


def _annual_page(year: int):
    report = snapshots.report(year, None, local_today())
    return render(
        "reports/annual.html", "reports/_annual.html", **_context(report, "reports.annual")
    )


@bp.get("/<int:year>.pdf")
@login_required
@authorise(Action.ANNUAL_REPORT_VIEW)
def annual_pdf(year: int):
    report = snapshots.report(_checked_year(year), None, local_today())
    return _pdf(report, f"relatorio-anual-rede-de-parcerias-{year}.pdf")


@bp.get("/<int:year>.xlsx")
@login_required
@authorise(Action.ANNUAL_REPORT_VIEW)
def annual_xlsx(year: int):
    report = snapshots.report(_checked_year(year), None, local_today())
    return attachment(
        exports.to_xlsx(report),
        XLSX_MIMETYPE,
        f"relatorio-anual-rede-de-parcerias-{year}.xlsx",
    )


@bp.route("/<int:year>/introducao", methods=["GET", "POST"])
@login_required
@authorise(Action.ANNUAL_REPORT_EDIT)
def edit_introduction(year: int):
    _checked_year(year)
    entry = services.introduction(year)
    form = IntroductionForm(obj=entry)
    if form.validate_on_submit():
        with form.refusals():
            services.save_introduction(year, form.introduction.data, by=current_user)
            flash(f"Introdução do relatório de {year} salva.", "success")
            return redirect(url_for("reports.annual", year=year))
    return render(
        "reports/introduction_form.html",
        "reports/_introduction_form.html",
        form.status,
        form=form,
        year=year,
        entry=entry,
    )


# A partner's contribution (meta 3.5) ---------------------------------------------------------


@bp.get("/minha-instituicao")
@login_required
@authorise(Action.ANNUAL_REPORT_OWN_CONTRIBUTION)
def my_contribution():
    year = request.args.get("ano", type=int) or services.default_year(local_today())
    return redirect(
        url_for("reports.contribution", year=year, institution_id=current_user.institution_id)
    )


def _contribution(year: int, institution_id: int) -> services.Report:
    _checked_year(year)
    institution = _partner_or_404(institution_id)
    require(current_user, Action.ANNUAL_REPORT_CONTRIBUTION, institution)
    return snapshots.report(year, institution, local_today())


@bp.get("/<int:year>/instituicoes/<int:institution_id>")
@login_required
def contribution(year: int, institution_id: int):
    report = _contribution(year, institution_id)
    return render(
        "reports/annual.html",
        "reports/_annual.html",
        **_context(report, "reports.contribution", institution_id=institution_id),
    )


@bp.get("/<int:year>/instituicoes/<int:institution_id>.pdf")
@login_required
def contribution_pdf(year: int, institution_id: int):
    report = _contribution(year, institution_id)
    return _pdf(report, f"contribuicao-relatorio-anual-{year}-{institution_id}.pdf")


@bp.get("/<int:year>/instituicoes/<int:institution_id>.xlsx")
@login_required
def contribution_xlsx(year: int, institution_id: int):
    report = _contribution(year, institution_id)
    return attachment(
        exports.to_xlsx(report),
        XLSX_MIMETYPE,
        f"contribuicao-relatorio-anual-{year}-{institution_id}.xlsx",
    )
