"""The annual report's map and charts, drawn from the compiled :class:`Report` itself — the
numbers of its tables, never a query of their own (``portal.core.charts`` lays them out)."""

import math
from dataclasses import dataclass

from portal.core import charts
from portal.core.formatting import format_count, format_number, format_percent
from portal.institutions.models import UFS
from portal.reports.services import Report

# What the map's shades can show (?medida=), the first being the default.
MEASURES = {
    "parceiros": "Parceiros",
    "cumprimento": "Cumprimento (%)",
    "nao_cumpridas": "Entregas não cumpridas",
}
NO_UF = "Sem UF"


def measure_of(value: str | None) -> str:
    return value if value in MEASURES else next(iter(MEASURES))


@dataclass(frozen=True)
class StateLine:
    """A UF's partners in the report (its table of partners, summed by UF)."""

    uf: str | None
    first_layer: int = 0
    second_layer: int = 0
    due: int = 0
    met: int = 0

    @property
    def partners(self) -> int:
        return self.first_layer + self.second_layer

    @property
    def not_met(self) -> int:
        return self.due - self.met

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.due, 1) if self.due else None


def by_state(report: Report) -> dict[str | None, StateLine]:
    """The report's partners (every institution, both layers) summed by UF."""
    states: dict[str | None, StateLine] = {}
    for p in report.partners:
        line = states.get(p.uf) or StateLine(p.uf)
        states[p.uf] = StateLine(
            p.uf,
            line.first_layer + (p.layer == 1),
            line.second_layer + (p.layer == 2),
            line.due + p.due,
            line.met + p.met,
        )
    return states


def state_summary(name: str, line: StateLine | None) -> str:
    if line is None or not line.partners:
        return f"{name}: nenhum parceiro no relatório"
    percent = f" ({format_percent(line.percent)})" if line.due else ""
    due = format_count(line.due, "entrega devida cumprida", "entregas devidas cumpridas")
    return (
        f"{name}: {format_count(line.partners, 'parceiro', 'parceiros')} "
        f"({format_number(line.first_layer)} de 1ª camada, "
        f"{format_number(line.second_layer)} de 2ª); "
        f"{format_number(line.met)} de {due}{percent}, "
        f"{format_count(line.not_met, 'não cumprida', 'não cumpridas')}"
    )


def _value(line: StateLine | None, measure: str) -> float | None:
    if line is None or not line.partners:
        return None
    if measure == "cumprimento":
        return line.percent
    if measure == "nao_cumpridas":
        return line.not_met
    return line.partners


STATE_HEADERS = ("UF", "Parceiros de 1ª camada", "Parceiros de 2ª camada", "Entregas devidas",
                 "Cumpridas", "Não cumpridas")


def state_table(states: dict[str | None, StateLine], year: int) -> charts.DataTable:
    order = sorted((uf for uf in states if uf), key=lambda uf: UFS.get(uf, uf))
    if None in states:
        order.append(None)
    rows = []
    for uf in order:
        line = states[uf]
        met = format_number(line.met)
        if line.due:
            met += f" ({format_percent(line.percent)})"
        rows.append((f"{UFS.get(uf, uf)} ({uf})" if uf else NO_UF,
                     format_number(line.first_layer), format_number(line.second_layer),
                     format_number(line.due), met, format_number(line.not_met)))
    return charts.DataTable(f"Parceiros e entregas por UF em {year}", STATE_HEADERS,
                            tuple(rows))


def state_map(report: Report, measure: str) -> charts.Map:
    states = by_state(report)
    label = MEASURES[measure]
    if measure == "cumprimento":
        scale = charts.percent_scale(empty_label="Sem parceiros ou sem entregas devidas")
    else:
        values = [_value(line, measure) or 0 for line in states.values()]
        scale = charts.count_scale(
            values, charts.REDS if measure == "nao_cumpridas" else charts.BLUES,
            "Sem parceiros", zero=measure == "nao_cumpridas")
    return charts.brazil_map(
        "mapa-relatorio",
        f"Parceiros por UF em {report.year} — cores: {label.lower()}",
        f"Mapa do Brasil com as 27 UFs; a cor de cada uma mostra {label.lower()} dos "
        f"parceiros do relatório de {report.year} (legenda ao lado); os números de cada UF "
        "estão na dica e na tabela.",
        UFS,
        lambda uf: _value(states.get(uf), measure),
        lambda uf: state_summary(UFS.get(uf, uf), states.get(uf)),
        scale,
        state_table(states, report.year),
    )


def axes_chart(report: Report) -> charts.Chart:
    return charts.progress_bars(
        "grafico-relatorio-eixos",
        f"Cumprimento por eixo em {report.year}",
        "Barras horizontais, uma por eixo (e por combinação de eixos): entregas cumpridas "
        f"entre as devidas em {report.year}.",
        [charts.Bar(section.label, section.met, section.due) for section in report.axes],
        headers=("Eixo", "Cumpridas", "Devidas", "Cumprimento"),
        width=560,
    )


def goals_chart(report: Report) -> charts.Chart:
    network = report.institution is None
    bars = [
        charts.Bar(f"Meta {goal.code}", goal.met, goal.due,
                   (format_number(goal.partners_met),) if network else ())
        for section in report.axes for goal in section.goals
    ]
    headers = ("Meta", "Cumpridas", "Devidas", "Cumprimento")
    return charts.progress_bars(
        "grafico-relatorio-metas",
        f"Cumprimento por meta em {report.year}",
        "Barras horizontais, uma por meta com entregas devidas no ano: entregas cumpridas "
        "entre as devidas.",
        bars,
        headers=(*headers, "Parceiros que cumpriram") if network else headers,
        width=560,
        row_height=30,
    )


LAYERS = (charts.Series("1ª camada", charts.BLUES[3]),
          charts.Series("2ª camada (aderentes)", charts.BLUES[1]))


def joining_chart(report: Report) -> charts.Chart:
    years = report.joining
    return charts.columns(
        "grafico-relatorio-adesoes",
        f"Parceiros que entraram na Rede, por ano, até {report.year}",
        "Barras empilhadas, uma por ano: os parceiros de 1ª camada (acordo de cooperação) e "
        "de 2ª camada (termo ou acordo de adesão) cujo primeiro instrumento foi assinado no "
        "ano; a tabela traz também o total acumulado.",
        [str(y.year) for y in years],
        LAYERS,
        [(y.first_layer, y.second_layer) for y in years],
        category_header="Ano",
        unit=("parceiro", "parceiros"),
        running_total=True,
        width=560,
    )


TRAINING_SERIES = (charts.Series("Abaixo da meta", "#c5d4eb"),
                   charts.Series("Meta atingida", "#168821"))


def _training_bands(targets: set[int]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The five bands' names (for the table) and short names (for the axis)."""
    names = ("Nenhuma hora", "Menos da metade da meta", "Da metade a menos da meta",
             "Da meta a menos de 1,5 vez a meta", "1,5 vez a meta ou mais")
    if len(targets) == 1 and (target := next(iter(targets))) >= 4:
        half, more = math.ceil(target / 2), math.ceil(1.5 * target)
        short = ("0 h", f"1 a {half - 1} h", f"{half} a {target - 1} h",
                 f"{target} a {more - 1} h", f"{more} h ou mais")
        return tuple(f"{n} ({s})" for n, s in zip(names, short, strict=True)), short
    return names, ("0 h", "< 50%", "50% a 99%", "100% a 149%", "≥ 150%")


def training_band(hours: int, target: int) -> int:
    """0: no hours; 1: below half the target; 2: half or more; 3: the target or more;
    4: one and a half times the target or more."""
    if hours <= 0:
        return 0
    if 2 * hours < target:
        return 1
    if hours < target:
        return 2
    return 3 if 2 * hours < 3 * target else 4


def training_chart(report: Report) -> charts.Chart:
    counted = [p for p in report.partners if p.target_hours]
    counts = [0] * 5
    for p in counted:
        counts[training_band(p.training_hours, p.target_hours)] += 1
    targets = {p.target_hours for p in counted}
    names, short = _training_bands(targets)
    target_text = (f"{format_number(next(iter(targets)))} h" if len(targets) == 1
                   else "a do plano de cada parceiro")
    return charts.columns(
        "grafico-relatorio-capacitacao",
        f"Horas de capacitação por parceiro em {report.year}, diante da meta anual",
        f"Barras dos {format_count(len(counted), 'parceiro', 'parceiros')} com meta anual de horas "
        f"(meta: {target_text}), pelas horas que registraram com início em {report.year}: "
        "nenhuma, menos da metade da meta, da metade à meta, a meta atingida e 1,5 vez a "
        "meta ou mais. Em verde, os que atingiram a meta.",
        names,
        TRAINING_SERIES,
        [(count, 0) if band < 3 else (0, count) for band, count in enumerate(counts)],
        category_header="Horas no ano",
        unit=("parceiro", "parceiros"),
        total=False,
        labels=short,
        width=560,
    )


@dataclass(frozen=True)
class ReportCharts:
    map: charts.Map | None
    measure: str
    axes: charts.Chart
    goals: charts.Chart
    joining: charts.Chart | None
    training: charts.Chart | None


def report_charts(report: Report, measure: str | None = None) -> ReportCharts:
    """The network's report: the map and every chart; a partner's contribution: its eixos
    and metas only."""
    measure = measure_of(measure)
    network = report.institution is None
    return ReportCharts(
        map=state_map(report, measure) if network else None,
        measure=measure,
        axes=axes_chart(report),
        goals=goals_chart(report),
        joining=joining_chart(report) if network else None,
        training=training_chart(report) if network else None,
    )
