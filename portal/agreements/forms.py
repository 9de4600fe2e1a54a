"""Agreement forms: the filters of the agreements list, and an eixo's name."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.agreements.models import AGREEMENT_KINDS, AGREEMENT_STATUS, AXIS_NAME_MAX
from portal.core.forms import PortalForm, SelectField, choices, strip
from portal.institutions.models import ELOS, UFS

AGREEMENT_STATUS_CHOICES = [("", "Todas"), *AGREEMENT_STATUS.items()]


class FilterAgreementsForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(
        "Buscar por número, partícipe ou processo SEI",
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )
    kind = SelectField(
        "Instrumento",
        choices=choices([("", "Todos"), *AGREEMENT_KINDS.items()]),
        validators=[Optional()],
    )
    elo = SelectField(
        "Elo", choices=choices([("", "Todos"), *((e, e) for e in ELOS)]), validators=[Optional()]
    )
    uf = SelectField("UF", choices=choices([("", "Todas"), *UFS.items()]), validators=[Optional()])
    status = SelectField(
        "Situação", choices=choices(AGREEMENT_STATUS_CHOICES), validators=[Optional()]
    )


class AxisForm(PortalForm):
    name = StringField(
        "Nome do eixo",
        filters=[strip],
        description="Como o portal chama o eixo em filtros, painéis e relatórios. O texto dos "
        "Planos de Trabalho não muda.",
        validators=[
            DataRequired("Informe o nome do eixo."),
            Length(max=AXIS_NAME_MAX,
                   message=f"O nome pode ter no máximo {AXIS_NAME_MAX} caracteres."),
        ],
    )
