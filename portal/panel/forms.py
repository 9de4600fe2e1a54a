"""Filters of the Painel da Rede."""

from wtforms import StringField
from wtforms.validators import NumberRange, Optional

from portal.agreements.services import axis_filter_choices
from portal.core.forms import IntegerField, PortalForm, SelectField, choices, strip
from portal.core.spreadsheets import applied_filters, filters_line
from portal.institutions.models import ELOS, SPHERES, UFS
from portal.panel.services import SORTS, PanelFilters

FILTERS = ("q", "elo", "uf", "esfera", "camada", "eixo", "ano")


class PanelFilterForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField("Parceiro", filters=[strip], validators=[Optional()])
    elo = SelectField(
        "Elo", choices=choices([("", "Todos"), *((e, e) for e in ELOS)]), validators=[Optional()]
    )
    uf = SelectField("UF", choices=choices([("", "Todas"), *UFS.items()]), validators=[Optional()])
    esfera = SelectField(
        "Esfera", choices=choices([("", "Todas"), *SPHERES.items()]), validators=[Optional()]
    )
    camada = SelectField(
        "Camada",
        choices=choices([("", "Todas"), ("1", "1ª camada"), ("2", "2ª camada (aderentes)")]),
        validators=[Optional()],
    )
    eixo = SelectField(
        "Eixo",
        choices=axis_filter_choices,
        validators=[Optional()],
    )
    ano = IntegerField("Ano do prazo", validators=[Optional(), NumberRange(min=2000, max=2100)])
    ordem = SelectField(
        "Ordenar por", choices=choices(SORTS.items()), default="nome", validators=[Optional()]
    )
    direcao = SelectField(
        "Direção",
        choices=choices([("asc", "Crescente"), ("desc", "Decrescente")]),
        default="asc",
        validators=[Optional()],
    )

    def to_filters(self) -> PanelFilters:
        return PanelFilters(
            elo=self.clean("elo"), uf=self.clean("uf"), sphere=self.clean("esfera"),
            layer=self.clean("camada", int), axis=self.clean("eixo", int),
            year=self.clean("ano"), q=self.clean("q"),
        )

    @property
    def sort(self) -> str:
        return self.ordem.data if self.ordem.data in SORTS else "nome"

    @property
    def descending(self) -> bool:
        return self.direcao.data == "desc"

    def described(self) -> list[str]:
        """What an export says of the page it lists: the filters applied and the order."""
        order = f"{SORTS[self.sort]}, {'decrescente' if self.descending else 'crescente'}"
        return [filters_line(applied_filters(self, FILTERS)), f"Ordem: {order}"]
