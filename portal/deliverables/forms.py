"""Forms of the partner workspace."""

from wtforms import MultipleFileField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from portal.agreements.models import AXES, DELIVERABLE_STATUS
from portal.core.forms import BrDateField, PortalForm, choices, strip

MAX_REPORT = 100_000


class DraftForm(PortalForm):
    report = TextAreaField(
        "Relato do que foi feito", filters=[strip],
        description="Descreva as ações realizadas. Aceita Markdown (títulos, listas, links).",
        validators=[Length(max=MAX_REPORT, message="O relato pode ter no máximo 100.000 "
                                                   "caracteres.")])
    covers_from = BrDateField("Período coberto pelas evidências: início",
                              validators=[Optional()])
    covers_to = BrDateField("Período coberto pelas evidências: fim", validators=[Optional()])
    files = MultipleFileField("Arquivos de evidência")


class UploadForm(PortalForm):
    files = MultipleFileField("Arquivos de evidência")


class LinkForm(PortalForm):
    url = URLField("Endereço (URL)", filters=[strip],
                   validators=[DataRequired("Informe o endereço."), Length(max=2000)])
    title = StringField("Título do link", filters=[strip], validators=[Length(max=300)])


class FilterForm(PortalForm):
    class Meta:
        csrf = False

    grupo = SelectField("Grupo", choices=choices([
        ("atrasadas", "Atrasadas"), ("proximas", "Próximos 30 dias"), ("depois", "Depois"),
        ("concluidas", "Concluídas")]), validators=[Optional()])
    eixo = SelectField("Eixo", choices=choices([("", "Todos"), *((str(k), f"{k} — {v}")
                                                                  for k, v in AXES.items())]),
                       validators=[Optional()])
    situacao = SelectField("Situação", choices=choices([("", "Todas"),
                                                        *DELIVERABLE_STATUS.items()]),
                           validators=[Optional()])
    ano = SelectField("Ano", validators=[Optional()])

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ano.choices = choices([("", "Todos"), *((str(y), str(y)) for y in years)])
