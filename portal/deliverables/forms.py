"""Forms of the partner workspace."""

from flask_wtf.file import MultipleFileField  # keeps only real files, never form strings
from wtforms import (
    RadioField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.agreements.services import axis_filter_choices
from portal.core.forms import BrDateField, IntegerField, PortalForm, SelectField, choices, strip
from portal.deliverables.lifecycle import GROUP_LABELS
from portal.deliverables.models import DELIVERABLE_STATUS, REASONS
from portal.institutions.models import ELOS, UFS

MAX_REPORT = 100_000


class DraftForm(PortalForm):
    refusal_field = "files"  # a refused file names no field of its own

    report = TextAreaField(
        "Relato do que foi feito",
        filters=[strip],
        description="Descreva as ações realizadas. Aceita Markdown (títulos, listas, links).",
        validators=[
            Length(max=MAX_REPORT, message="O relato pode ter no máximo 100.000 caracteres.")
        ],
    )
    covers_from = BrDateField("Período coberto pelas evidências: início", validators=[Optional()])
    covers_to = BrDateField("Período coberto pelas evidências: fim", validators=[Optional()])
    files = MultipleFileField("Arquivos de evidência")


class UploadForm(PortalForm):
    files = MultipleFileField("Arquivos de evidência")


class LinkForm(PortalForm):
    url = URLField(
        "Endereço (URL)",
        filters=[strip],
        validators=[DataRequired("Informe o endereço."), Length(max=2000)],
    )
    title = StringField("Título do link", filters=[strip], validators=[Length(max=300)])


class FilterForm(PortalForm):
    class Meta:
        csrf = False

    grupo = SelectField(
        "Grupo",
        choices=choices([(group.value, label) for group, label in GROUP_LABELS.items()]),
        validators=[Optional()],
    )
    eixo = SelectField(
        "Eixo",
        choices=axis_filter_choices,  # read when each form is built: SEGES renames eixos
        validators=[Optional()],
    )
    situacao = SelectField(
        "Situação",
        choices=choices([("", "Todas"), *DELIVERABLE_STATUS.items()]),
        validators=[Optional()],
    )
    ano = SelectField("Ano", validators=[Optional()])

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ano.choices = choices([("", "Todos"), *((str(y), str(y)) for y in years)])


class DecisionForm(PortalForm):
    submission_id = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    decision = RadioField(
        "Decisão",
        choices=choices([("approved", "Aprovar"), ("returned", "Devolver ao parceiro")]),
        validators=[DataRequired("Escolha aprovar ou devolver.")],
    )
    reason_code = SelectField(
        "Motivo da devolução",
        choices=choices([("", "—"), *REASONS.items()]),
        validators=[Optional()],
    )
    comment = TextAreaField(
        "Comentário para o parceiro",
        filters=[strip],
        description="Obrigatório ao devolver: diga o que corrigir.",
        validators=[Length(max=5000)],
    )


class WaiveForm(PortalForm):
    reason = TextAreaField(
        "Motivo da dispensa",
        filters=[strip],
        validators=[DataRequired("Informe o motivo da dispensa."), Length(max=500)],
    )


class QueueFilterForm(PortalForm):
    class Meta:
        csrf = False

    parceiro = StringField("Parceiro", filters=[strip], validators=[Optional(), Length(max=100)])
    elo = SelectField(
        "Elo", choices=choices([("", "Todos"), *((e, e) for e in ELOS)]), validators=[Optional()]
    )
    uf = SelectField("UF", choices=choices([("", "Todas"), *UFS.items()]), validators=[Optional()])
    eixo = SelectField(
        "Eixo",
        choices=axis_filter_choices,  # read when each form is built: SEGES renames eixos
        validators=[Optional()],
    )
    codigo = StringField("Meta (código)", filters=[strip], validators=[Optional(), Length(max=10)])
    espera = IntegerField(
        "Esperando há mais de (dias)", validators=[Optional(), NumberRange(min=0, max=3650)]
    )
