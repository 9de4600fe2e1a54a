"""Filters of the Painel da Rede."""

from wtforms import SelectField, StringField
from wtforms.validators import NumberRange, Optional

from portal.agreements.models import AXES
from portal.core.forms import IntegerField, PortalForm, choices, strip
from portal.institutions.models import ELOS, SPHERES, UFS
from portal.panel.services import SORTS, PanelFilters


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
        choices=choices([("", "Todos"), *((str(k), f"{k} — {v}") for k, v in AXES.items())]),
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
