"""The form to name (or replace) a servidor indicado."""

from wtforms import EmailField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from portal.core.exceptions import DomainError
from portal.core.forms import CPF, REQUIRED, PortalForm, SelectField, choices, strip
from portal.focal_points.models import FOCAL_POINT_PURPOSES
from portal.focal_points.services import national_phone


def brazilian_phone(_form, field) -> None:
    """The service's rule, checked with the other fields so every error shows at once."""
    if field.data:
        try:
            national_phone(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from None


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
    phone = TelField(
        "Telefone", filters=[strip], description="Com DDD, por exemplo (31) 3915-0000.",
        validators=[DataRequired(REQUIRED), Length(max=30), brazilian_phone]
    )
    email = EmailField(
        "E-mail", filters=[strip],
        validators=[DataRequired(REQUIRED), Email("Informe um e-mail válido."), Length(max=254)]
    )
