"""The form to name (or replace) a servidor indicado."""

from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from portal.core.forms import CPF, REQUIRED, PortalForm, choices, strip
from portal.focal_points.models import FOCAL_POINT_PURPOSES


class FocalPointForm(PortalForm):
    purpose = SelectField(
        "Finalidade", choices=choices(FOCAL_POINT_PURPOSES.items()),
        validators=[DataRequired(REQUIRED)]
    )
    name = StringField(
        "Nome completo", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    cpf = StringField(
        "CPF",
        filters=[strip],
        description="Formato 000.000.000-00.",
        validators=[DataRequired(REQUIRED), Length(max=14), CPF()],
    )
    phone = StringField(
        "Telefone", filters=[strip], description="Com DDD, por exemplo (31) 3915-0000.",
        validators=[DataRequired(REQUIRED), Length(max=30)]
    )
    email = EmailField(
        "E-mail", filters=[strip],
        validators=[DataRequired(REQUIRED), Email("Informe um e-mail válido."), Length(max=254)]
    )
