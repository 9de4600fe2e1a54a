"""Form base class and validators shared by every domain."""

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.core.exceptions import DomainError
from portal.core.validators import is_valid_cnpj, is_valid_cpf


class PortalForm(FlaskForm):
    class Meta:
        locales = ("pt_BR", "pt")  # WTForms' own messages in Portuguese

    def fail(self, error: DomainError | str, field: str | None = None) -> None:
        """Attach a service's refusal to the field it concerns (or the whole form)."""
        message = error.message if isinstance(error, DomainError) else error
        field = field or getattr(error, "field", None)
        if field and field in self._fields:
            self._fields[field].errors = [*self._fields[field].errors, message]
        else:
            self.form_errors.append(message)

    @property
    def status(self) -> int:
        """422 when a submitted form has errors, 200 otherwise (GET)."""
        return 422 if self.is_submitted() and self.has_errors else 200

    def clean(self, name: str, convert=None):
        """A filter's value, or None when it is empty or invalid (bad URLs never raise)."""
        field = self._fields[name]
        if field.errors or field.data in (None, ""):
            return None
        try:
            return convert(field.data) if convert else field.data
        except (TypeError, ValueError):
            return None

    @property
    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(f.errors for f in self)


class CPF:
    def __init__(self, message: str = "CPF inválido: confira os dígitos."):
        self.message = message

    def __call__(self, _form, field) -> None:
        if field.data and not is_valid_cpf(field.data):
            raise ValidationError(self.message)


class CNPJ:
    def __init__(self, message: str = "CNPJ inválido: confira os dígitos verificadores."):
        self.message = message

    def __call__(self, _form, field) -> None:
        if field.data and not is_valid_cnpj(field.data):
            raise ValidationError(self.message)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """SelectField options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class BrDateField(DateField):
    """A date input whose parse error speaks Portuguese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Data inválida: use o formato dd/mm/aaaa.") from None
