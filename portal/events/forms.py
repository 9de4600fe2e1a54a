"""Forms to convene events and send requests (metas 1.7, 3.4, 3.5)."""

from datetime import UTC

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.core import clock
from portal.core.forms import REQUIRED, BrDateField, PortalForm, SelectField, choices, strip
from portal.events.models import AUDIENCES, EVENT_KINDS
from portal.institutions.models import ELOS, UFS


class LocalDateTimeField(DateTimeLocalField):
    """Date and time typed in America/Sao_Paulo (aware data); errors in Portuguese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                                     "%d/%m/%Y %H:%M"])
        kwargs.setdefault("tz", clock.zone)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
            if self.data is not None:
                self.data.astimezone(UTC)  # stored in UTC: 31/12/9999 23:59 would overflow
        except (ValueError, OverflowError):
            self.data = None
            raise ValueError("Data e hora inválidas: use dd/mm/aaaa hh:mm.") from None


class AudienceForm(PortalForm):
    """Who receives an event or a request: everyone, an elo, a UF or chosen institutions."""

    audience = RadioField("Público", choices=choices(AUDIENCES.items()), default="todos",
                          validators=[DataRequired("Escolha o público.")])
    elo = SelectField("Elo", choices=choices([("", "—"), *((e, e) for e in ELOS)]),
                      validators=[Optional()])
    uf = SelectField("UF", choices=choices([("", "—"), *UFS.items()]), validators=[Optional()])
    instituicoes = TextAreaField(
        "Instituições escolhidas (CNPJ ou sigla)", filters=[strip],
        description="Uma por linha, ou separadas por vírgula ou ponto e vírgula. "
                    "Ex.: 50.941.185/0001-07, SEGER/ES",
        validators=[Length(max=100_000)])
    include_adherents = BooleanField("Incluir as instituições aderentes (2ª camada)",
                                     default=True)

    def validate_elo(self, field) -> None:
        if self.audience.data == "elo" and not field.data:
            raise ValidationError("Escolha o elo.")

    def validate_uf(self, field) -> None:
        if self.audience.data == "uf" and not field.data:
            raise ValidationError("Escolha a UF.")

    def validate_instituicoes(self, field) -> None:
        if self.audience.data == "escolhidos" and not field.data:
            raise ValidationError("Informe ao menos um CNPJ ou sigla.")

    @property
    def audience_value(self) -> str | None:
        return {"elo": self.elo.data, "uf": self.uf.data}.get(self.audience.data)


class EventForm(AudienceForm):
    kind = SelectField("Tipo", choices=choices((code, kind.label)
                                              for code, kind in EVENT_KINDS.items()),
                       validators=[DataRequired(REQUIRED)])
    title = StringField("Título", filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=300)])
    starts_at = LocalDateTimeField("Início (horário de Brasília)",
                                   validators=[InputRequired(REQUIRED)])
    ends_at = LocalDateTimeField("Fim (horário de Brasília)", validators=[InputRequired(REQUIRED)])
    place = StringField("Local ou link", filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=500)])
    agenda = TextAreaField("Pauta", filters=[strip],
                           description="Aceita Markdown (títulos, listas, links).",
                           validators=[Length(max=20_000)])

    def validate_ends_at(self, field) -> None:
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError("O fim deve ser posterior ao início.")


class RequestForm(AudienceForm):
    title = StringField("Título", filters=[strip],
                        default="Encaminhar as ações realizadas",
                        validators=[DataRequired(REQUIRED), Length(max=300)])
    text = TextAreaField("Texto da solicitação", filters=[strip],
                         description="O que os parceiros devem encaminhar. Aceita Markdown.",
                         validators=[DataRequired(REQUIRED), Length(max=20_000)])
    due_on = BrDateField("Prazo", validators=[InputRequired(REQUIRED)])

