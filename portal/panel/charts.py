"""The panel's map and charts, drawn from :class:`portal.panel.services.Overview` — the same
aggregates as the numbers beside them (``portal.core.charts`` lays them out)."""

from dataclasses import dataclass
from datetime import date

from portal.agreements.services import axis_label
from portal.core import cache, charts
from portal.core.formatting import format_count, format_number, format_percent
from portal.institutions.models import UFS
from portal.panel import services
from portal.panel.services import MONTHS, QUEUE_AGE_LABELS, Overview, PanelFilters, StateLine

# What the map's shades can show (?medida=), the first being the default.
MEASURES = {
    "parceiros": "Parceiros",
    "em_dia": "Entregas em dia (%)",
    "atrasadas": "Entregas atrasadas",
}
NO_UF = "Sem UF"
QUEUE_AGE_AXIS = ("até 7", "8 a 15", "16 a 30", "31 a 60", "mais de 60")


def measure_of(value: str | None) -> str:
    return value if value in MEASURES else next(iter(MEASURES))


def state_summary(name: str, line: StateLine | None) -> str:
    """A UF's numbers in a sentence: the map's tooltip and its link's name."""
    if line is None or not line.partners:
        return f"{name}: nenhum parceiro com entregas"
    counts = line.counts
    due = format_count(counts.due, "entrega com data vencida até hoje",
                  "entregas com data vencida até hoje")
    on_time = (f"{format_number(line.on_time)} em dia ({format_percent(line.on_time_percent)})"
               if counts.due else "nenhuma com data vencida")
    return (
        f"{name}: {format_count(line.partners, 'parceiro', 'parceiros')} "
        f"({format_number(line.first_layer)} de 1ª camada, "
        f"{format_number(line.second_layer)} de 2ª); "
        f"{due}, "
        f"{on_time}, {format_count(counts.late, 'atrasada', 'atrasadas')}"
    )


def _value(line: StateLine | None, measure: str) -> float | None:
    if line is None or not line.partners:
        return None
    if measure == "em_dia":
        return line.on_time_percent
    if measure == "atrasadas":
        return line.counts.late
    return line.partners


def _scale(states: dict, measure: str) -> charts.Scale:
    if measure == "em_dia":
        return charts.percent_scale(empty_label="Sem parceiros ou sem entregas vencidas")
    values = [_value(line, measure) or 0 for line in states.values()]
    palette = charts.REDS if measure == "atrasadas" else charts.BLUES
    return charts.count_scale(values, palette, "Sem parceiros", zero=measure == "atrasadas")


STATE_HEADERS = ("UF", "Parceiros de 1ª camada", "Parceiros de 2ª camada",
                 "Entregas com data vencida até hoje", "Em dia", "Atrasadas")


def state_table(states: dict[str | None, StateLine], caption: str) -> charts.DataTable:
    """One row per UF with partners (by name), then the partners with no UF."""
    order = sorted((uf for uf in states if uf), key=lambda uf: UFS.get(uf, uf))
    if None in states:
        order.append(None)
    rows = []
    for uf in order:
        line = states[uf]
        name = f"{UFS.get(uf, uf)} ({uf})" if uf else NO_UF
        on_time = format_number(line.on_time)
        if line.counts.due:
            on_time += f" ({format_percent(line.on_time_percent)})"
        rows.append((name, format_number(line.first_layer), format_number(line.second_layer),
                     format_number(line.counts.due), on_time, format_number(line.counts.late)))
    return charts.DataTable(caption, STATE_HEADERS, tuple(rows))


def state_map(states: dict[str | None, StateLine], measure: str,
              selected: str | None = None) -> charts.Map:
    label = MEASURES[measure]
    return charts.brazil_map(
        "mapa-painel",
        f"Parceiros por UF — cores: {label.lower()}",
        "Mapa do Brasil com as 27 UFs; a cor de cada uma mostra "
        f"{label.lower()} dos parceiros que têm entregas nos filtros escolhidos (legenda ao lado). "
        "Cada UF é um link que filtra o painel; seus números estão na dica e na tabela.",
        UFS,
        lambda uf: _value(states.get(uf), measure),
        lambda uf: state_summary(UFS.get(uf, uf), states.get(uf)),
        _scale(states, measure),
        state_table(states, "Parceiros e entregas por UF"),
        selected,
    )


# Colours of what a person sees of a deliverable (the tags' tones).
STATE_SERIES = (
    charts.Series("Aprovadas", "#168821"),
    charts.Series("Em análise", "#5992ed"),
    charts.Series("Devolvidas", "#b35c00"),
    charts.Series("Atrasadas", "#d0210f"),
    charts.Series("A fazer", "#c5d4eb"),
)


def months_chart(overview: Overview) -> charts.Chart:
    return charts.columns(
        "grafico-meses",
        f"Entregas por mês do prazo em {overview.year}",
        f"Barras empilhadas, uma por mês de {overview.year}: as entregas com data (do plano "
        "ou padrão da SEGES) cujo prazo cai no mês, pela situação de hoje — aprovadas, em "
        "análise, devolvidas, atrasadas e a fazer.",
        [month.capitalize() for month in MONTHS],
        STATE_SERIES,
        [(m.approved, m.in_review, m.returned, m.late, m.to_do) for m in overview.months],
        category_header="Mês do prazo",
        unit=("entrega", "entregas"),
        labels=[month[:3] for month in MONTHS],
        width=540,
    )


def axes_chart(overview: Overview) -> charts.Chart:
    bars = [
        charts.Bar(axis_label(axis), counts.done, counts.due,
                   (format_number(counts.late),))
        for axis, counts in overview.axes
    ]
    return charts.progress_bars(
        "grafico-eixos",
        "Progresso por eixo",
        "Barras horizontais, uma por eixo: entregas aprovadas entre as que têm data vencida "
        "até hoje (metas de eixos combinados contam em cada um dos seus eixos).",
        bars,
        headers=("Eixo", "Aprovadas", "Com data vencida até hoje", "Progresso", "Atrasadas"),
        width=480,
    )


def queue_chart(overview: Overview) -> charts.Chart:
    return charts.columns(
        "grafico-fila",
        "Idade da fila de análise",
        "Barras das entregas aguardando análise pelo tempo de espera da versão enviada, "
        "em dias: até 7, de 8 a 15, de 16 a 30, de 31 a 60 e mais de 60.",
        [label.capitalize() for label in QUEUE_AGE_LABELS],
        (charts.Series("Aguardando análise", "#1351b4"),),
        [(count,) for count in overview.queue],
        category_header="Esperando há",
        unit=("entrega", "entregas"),
        labels=QUEUE_AGE_AXIS,
        note="Dias de espera da versão enviada (como na fila de análise).",
        width=480,
        height=220,
    )


@dataclass(frozen=True)
class PanelCharts:
    map: charts.Map
    measure: str
    months: charts.Chart
    axes: charts.Chart
    queue: charts.Chart


def cached_panel_charts(filters: PanelFilters, today: date, measure: str | None) -> PanelCharts:
    """:func:`panel_charts` of the overview, kept with it (until the Rede's data changes)."""
    return cache.cached(
        f"panel:charts:{filters}:{today}:{measure_of(measure)}", (services.NETWORK,),
        lambda: panel_charts(services.cached_overview(filters, today), measure, filters.uf))


def panel_charts(overview: Overview, measure: str, selected_uf: str | None) -> PanelCharts:
    measure = measure_of(measure)
    return PanelCharts(state_map(overview.states, measure, selected_uf), measure,
                       months_chart(overview), axes_chart(overview), queue_chart(overview))
