"""Painel da Rede (SEGES): progress by partner, the partner × goal matrix, exports."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.core import cache
from portal.core.access import Action, authorise, require
from portal.core.clock import local_today
from portal.core.htmx import is_htmx
from portal.core.spreadsheets import send_table
from portal.core.templating import render_markup
from portal.panel import charts as panel_charts
from portal.panel import services as panel
from portal.panel.forms import PanelFilterForm

bp = Blueprint("panel", __name__)


def _form() -> PanelFilterForm:
    form = PanelFilterForm(request.args)
    form.validate()
    return form


def _listing(form: PanelFilterForm) -> dict:
    """What the page lists — and so what its exports hold: the filters and the order."""
    return {"filters": form.to_filters(), "today": local_today(), "sort": form.sort,
            "descending": form.descending}


def _chosen_on_map() -> bool:
    """A UF chosen on the map (htmx names the link that asked): the filter form, outside the
    swapped fragment, is drawn again so that its UF follows."""
    return request.headers.get("HX-Trigger", "").startswith("mapa-painel-uf-")


@bp.get("/painel")
@login_required
@authorise(Action.NETWORK_PANEL)
def panel_page():
    form = _form()
    listing = _listing(form)
    charts = panel_charts.cached_panel_charts(listing["filters"], listing["today"],
                                              request.args.get("medida"))
    in_page = not is_htmx()
    html = _kept_panel(form, listing, charts, in_page, redraw_filters=_chosen_on_map())
    if not in_page:
        return html
    return render_template("panel/panel.html", form=form, charts=charts,
                           measures=panel_charts.MEASURES, view=_view(), panel_html=html)


def _view() -> str:
    return request.args.get("visao", "tabela")


def _kept_panel(form: PanelFilterForm, listing: dict, charts, in_page: bool, *,
                redraw_filters: bool) -> Markup:
    """The panel under the filters, rendered: the same for every SEGES user asking with the
    same arguments on a day (its links carry them all), so kept until the Rede changes."""
    filters, today = listing["filters"], listing["today"]

    def rendered() -> Markup:
        page = panel.progress_page(**listing)
        codes, cells = ([], {})
        if request.args.get("visao") == "matriz":
            codes, cells = panel.matrix([row.id for row in page.items], filters)
        return render_markup(
            "panel/_panel.html",
            form=form,
            page=page,
            totals=panel.cached_totals(filters, today),
            charts=charts,
            measures=panel_charts.MEASURES,
            redraw_filters=redraw_filters,
            in_page=in_page,
            codes=codes,
            cells=cells,
            view=_view(),
        )

    asked = cache.digest(sorted(request.args.items(multi=True)))
    key = f"panel-page:{request.script_root}:{asked}:{in_page}:{redraw_filters}:{today}"
    return cache.cached(key, (panel.NETWORK,), rendered)


def _export(fmt: str):
    require(current_user, Action.NETWORK_PANEL)
    form = _form()
    # Built whole inside the request (not streamed): one row per partner, 6,000 at most.
    return send_table(
        panel.export_rows(**_listing(form)), panel.EXPORT_COLUMNS,
        f"painel-da-rede-{local_today()}", fmt, sheet="Painel da Rede",
        preamble=form.described(),
    )


@bp.get("/painel.csv")
@login_required
def panel_csv():
    return _export("csv")


@bp.get("/painel.xlsx")
@login_required
def panel_xlsx():
    return _export("xlsx")
