"""Institution forms: the register's fields and the list's filters."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import CNPJ, REQUIRED, PortalForm, SelectField, choices, strip
from portal.institutions.models import ELOS, SPHERES, UFS


class InstitutionForm(PortalForm):
    name = StringField(
        "Nome", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=300)]
    )
    acronym = StringField("Sigla", filters=[strip], validators=[Optional(), Length(max=40)])
    cnpj = StringField(
        "CNPJ",
        filters=[strip],
        description="Formato 00.000.000/0000-00.",
        validators=[DataRequired(REQUIRED), Length(max=18), CNPJ()],
    )
    sphere = SelectField(
        "Esfera", choices=choices(SPHERES.items()), validators=[DataRequired(REQUIRED)]
    )
    uf = SelectField(
        "UF", choices=choices([("", "— (órgão nacional)"), *UFS.items()]), validators=[Optional()]
    )
    elo = SelectField(
        "Elo", choices=choices((e, e) for e in ELOS), validators=[DataRequired(REQUIRED)]
    )
    parent_cnpj = StringField(
        "CNPJ do partícipe de primeira camada",
        filters=[strip],
        description="Preencha só para instituições aderentes (segunda camada).",
        validators=[Optional(), Length(max=18), CNPJ()],
    )


class FilterInstitutionsForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(
        "Buscar por nome, sigla ou CNPJ", filters=[strip], validators=[Optional(), Length(max=100)]
    )
    sphere = SelectField(
        "Esfera", choices=choices([("", "Todas"), *SPHERES.items()]), validators=[Optional()]
    )
    uf = SelectField("UF", choices=choices([("", "Todas"), *UFS.items()]), validators=[Optional()])
    elo = SelectField(
        "Elo", choices=choices([("", "Todos"), *((e, e) for e in ELOS)]), validators=[Optional()]
    )
