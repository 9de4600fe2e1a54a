"""Form base class and validators shared by every domain."""

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask import current_app, g
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from wtforms import DateField, widgets
from wtforms import IntegerField as WTFIntegerField
from wtforms import SelectField as WTFSelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.core.database import refusal
from portal.core.exceptions import DomainError
from portal.core.validators import is_valid_cnpj, is_valid_cpf

REQUIRED = "Campo obrigatório."
INVALID_INTEGER = "Informe um número inteiro."


# HTML kept for many readers (core.cache) must not hold one reader's CSRF token: it is
# rendered with a stand-in, which each request replaces with the reader's own token.


def _token_stand_in() -> str:
    """Derived from the secret key: the same in every worker sharing a cache, and nothing a
    person writing a post could know and type."""
    secret = current_app.secret_key.encode()
    return "csrf-stand-in-" + hmac.new(secret, b"kept-html", hashlib.sha256).hexdigest()[:32]


@contextmanager
def token_stand_in() -> Iterator[None]:
    """Within: ``csrf_token()`` (and every form's hidden field) renders the stand-in."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    own = g.pop(name, None)
    setattr(g, name, _token_stand_in())
    try:
        yield
    finally:
        g.pop(name)
        if own is not None:
            setattr(g, name, own)


def own_tokens(html: str) -> Markup:
    """Kept ``html`` (rendered within :func:`token_stand_in`) with the reader's CSRF token."""
    stand_in = _token_stand_in()
    if stand_in in html:
        html = html.replace(stand_in, generate_csrf())
    return Markup(html)  # noqa: S704 - rendered by Jinja


class PortalForm(FlaskForm):
    class Meta:
        locales = ("pt_BR", "pt")  # WTForms' own messages in Portuguese

        def wrap_formdata(self, form, formdata):
            """The submitted data without NUL characters: nobody types them, and PostgreSQL's
            text columns refuse them (a 500 instead of a saved form)."""
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None:
                return None
            return MultiDict(
                (key, value.replace("\x00", "") if isinstance(value, str) else value)
                for key, value in formdata.items(multi=True)
            )

    refusal_field: str | None = None  # where a refusal that names no field is shown
    refused: DomainError | None = None

    def fail(self, error: DomainError | str, field: str | None = None) -> None:
        """Attach a service's refusal to the field it concerns (or the whole form)."""
        message = error.message if isinstance(error, DomainError) else error
        field = field or getattr(error, "field", None) or self.refusal_field
        if field and field in self._fields:
            self._fields[field].errors = [*self._fields[field].errors, message]
        else:
            self.form_errors.append(message)

    @contextmanager
    def refusals(self, *shown) -> Iterator[None]:
        """Run a service for this form: when a rule refuses, undo what it did and show why
        next to the field concerned (the view then re-renders the form)::

            with form.refusals():
                services.save(...)
                return redirect(...)

        ``shown``: the objects the re-rendered page shows (loaded again after the undo).
        """
        with refusal(*shown) as refused:
            yield
        if refused.error is not None:
            self.refused = refused.error
            self.fail(refused.error)

    @property
    def status(self) -> int:
        """The refusal's status (422, 409, 413...) or 422 when a submitted form has errors;
        200 otherwise (GET)."""
        if self.refused is not None:
            return self.refused.status
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


class _Select(widgets.Select):
    """WTForms' ``<select>``, the same markup, written for speed: WTForms looks up
    ``render_option``'s signature on every render (``inspect.signature``, for a deprecated
    override style), and builds each option through ``html_params``. Filter forms render
    dozens of options on every list page."""

    @classmethod
    def _dispatch_render_option(cls):
        return cls.render_option

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        value = escape(choice.value)
        return Markup(f'<option {selected}value="{value}">{label}</option>')  # noqa: S704 - escaped


class SelectField(WTFSelectField):
    widget = _Select()


# The database's INTEGER (4 bytes on PostgreSQL): bigger numbers are no one's real input, and
# would otherwise crash WTForms' NumberRange (float conversion) or the INSERT (out of range).
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


def bounded_int(value) -> int:
    """``type=`` for ``request.args.get``/``getlist``: an int a column can hold. Anything else
    raises ValueError, which those methods turn into the default (or skip, for lists)."""
    number = int(value)
    if not INTEGER_MIN <= number <= INTEGER_MAX:
        raise ValueError("número grande demais")
    return number


class IntegerField(WTFIntegerField):
    """An integer input that refuses, with a Portuguese message, what no column can hold."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(INVALID_INTEGER) from None
        if self.data is not None and not INTEGER_MIN <= self.data <= INTEGER_MAX:
            self.data = None
            raise ValueError("Número grande demais.")


class BrDateField(DateField):
    """A date input that takes what browsers send (aaaa-mm-dd) and what people type where
    there is no date picker (dd/mm/aaaa), and whose parse error speaks Portuguese."""

    def __init__(self, *args, format=("%Y-%m-%d", "%d/%m/%Y"), **kwargs):
        super().__init__(*args, format=list(format), **kwargs)

    def _value(self):
        # A date read from either format is shown as an <input type=date> needs it; what
        # could not be read is shown back as typed.
        if self.data is not None:
            return self.data.strftime(self.format[0])
        return super()._value()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Data inválida: use o formato dd/mm/aaaa.") from None
