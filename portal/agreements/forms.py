"""Institution and agreement forms."""

import wtforms
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.agreements.models import (
    AGREEMENT_KINDS,
    AGREEMENT_STATUS,
    ELOS,
    FOCAL_POINT_PURPOSES,
    GOAL_ROLES,
    RESPONSIBLE,
    SPHERES,
    UFS,
)
from portal.core.forms import CNPJ, CPF, PortalForm, choices, strip
from portal.core.forms import IntegerField as BoundedIntegerField
from portal.core.validators import is_valid_nup

REQUIRED = "Campo obrigatório."
YEARS_MESSAGE = "A vigência deve ter de 1 a 20 anos."
MAX_PLAN_BYTES = 2 * 1024 * 1024


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


# Agreements -----------------------------------------------------------------

INVALID_DATE = "Data inválida: informe o dia, o mês e o ano (dd/mm/aaaa)."
INVALID_NUMBER = "Informe um número inteiro."


class DateField(wtforms.DateField):
    """A date input (type=date) that also accepts dd/mm/aaaa, with pt-BR messages."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(INVALID_DATE) from error


class IntegerField(BoundedIntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(INVALID_NUMBER) from error


class NUP:
    def __init__(
        self, message: str = "Número de processo SEI inválido: confira os dígitos verificadores."
    ):
        self.message = message

    def __call__(self, _form, field) -> None:
        if field.data and not is_valid_nup(field.data):
            raise ValidationError(self.message)


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


class AgreementForm(PortalForm):
    number = StringField(
        "Número",
        filters=[strip],
        validators=[Optional(), Length(max=40)],
        description="Exemplo: 160/2025.",
    )
    work_plan_number = StringField(
        "Plano de Trabalho nº", filters=[strip], validators=[Optional(), Length(max=40)]
    )
    sei_process = StringField(
        "Processo SEI",
        filters=[strip],
        description="Formato 00000.000000/0000-00.",
        validators=[Optional(), Length(max=25), NUP()],
    )
    object = TextAreaField("Objeto", filters=[strip], validators=[Optional(), Length(max=5000)])
    signed_on = DateField("Data de assinatura", validators=[Optional()])
    term_start = DateField("Início da vigência", validators=[InputRequired(REQUIRED)])
    years = IntegerField(
        "Vigência em anos",
        validators=[Optional(), NumberRange(1, 20, YEARS_MESSAGE)],
        description="Preencha os anos ou a data de fim da vigência.",
    )
    term_end = DateField("Fim da vigência", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.term_end.data is None and self.years.data is None:
            self.term_end.errors.append("Informe a vigência em anos ou a data de fim.")
            return False
        return valid


SCHEDULE_KIND_LABELS = {
    "once_after_start": "Uma vez, dias após o início ou a assinatura",
    "at_start": "Contínua, a partir do início da vigência (sem data no plano)",
    "annual": "Anual",
    "periodic": "Periódica (a cada N meses)",
    "during_term": "Contínua, durante a vigência (sem data no plano)",
    "per_regulation": "Contínua, conforme a norma vigente (sem data no plano)",
    "on_call": "Quando convocado ou solicitado",
    "monthly_after_event": "Mensal, após cada adesão",
    "manual": "Definir manualmente",
}


class GoalForm(PortalForm):
    description = TextAreaField(
        "Descrição", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=5000)]
    )
    deadline_text = StringField(
        "Prazo (texto do plano)", filters=[strip], validators=[Optional(), Length(max=300)]
    )
    responsible = SelectField(
        "Responsável", choices=choices(RESPONSIBLE.items()), validators=[DataRequired(REQUIRED)]
    )
    applies_to_adherents = BooleanField("Aplica-se às instituições aderentes")
    roles = wtforms.SelectMultipleField(
        "Papéis da meta no portal",
        choices=choices(GOAL_ROLES.items()),
        widget=wtforms.widgets.ListWidget(prefix_label=False),
        option_widget=wtforms.widgets.CheckboxInput(),
        validators=[Optional()],
    )
    kind = SelectField(
        "Tipo de prazo",
        choices=choices(SCHEDULE_KIND_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    days = StringField("Número de dias", filters=[strip], validators=[Length(max=10)])
    business_days = BooleanField("Contar em dias úteis")
    origin = SelectField(
        "Contar a partir de",
        choices=choices([("start", "Início da vigência"), ("signature", "Assinatura")]),
        default="start",
        validate_choice=False,
    )
    months = StringField("Periodicidade em meses", filters=[strip], validators=[Length(max=10)])
    min_hours = StringField(
        "Carga horária mínima anual (horas)", filters=[strip], validators=[Length(max=10)]
    )
    also_on = SelectField(
        "Também gera entrega",
        choices=choices([("", "Não"), ("course_schedule_change", "A cada alteração nos cursos")]),
        default="",
        validate_choice=False,
    )
    trigger = SelectField(
        "Gatilho",
        choices=choices([("meeting", "Reunião"), ("request", "Solicitação")]),
        default="meeting",
        validate_choice=False,
    )
    day = StringField("Dia do mês seguinte", filters=[strip], validators=[Length(max=10)])


class ImportPlanForm(PortalForm):
    file = FileField(
        "Arquivo do Plano de Trabalho",
        description="Texto (.txt) ou HTML (.html) exportado do SEI, até 2 MB.",
        validators=[
            FileAllowed(["txt", "html", "htm"], "Envie um arquivo .txt ou .html."),
            FileSize(MAX_PLAN_BYTES, message="O arquivo deve ter no máximo 2 MB."),
        ],
    )
    text = TextAreaField(
        "Texto do Plano de Trabalho",
        validators=[Optional(), Length(max=MAX_PLAN_BYTES)],
        description="Cole o texto do plano, ou envie o arquivo acima.",
    )
    start = DateField("Início da vigência", validators=[Optional()])
    years = IntegerField(
        "Vigência em anos", default=5, validators=[Optional(), NumberRange(1, 20, YEARS_MESSAGE)]
    )
    number = StringField(
        "Número do acordo (opcional)",
        filters=[strip],
        validators=[Optional(), Length(max=40)],
        description="Substitui o número lido do documento (mesmo plano, outro partícipe).",
    )


class AdhesionForm(PortalForm):
    name = StringField(
        "Nome da instituição aderente",
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=300)],
    )
    acronym = StringField("Sigla", filters=[strip], validators=[Optional(), Length(max=40)])
    cnpj = StringField(
        "CNPJ",
        filters=[strip],
        description="Formato 00.000.000/0000-00.",
        validators=[DataRequired(REQUIRED), Length(max=18), CNPJ()],
    )
    sphere = SelectField(
        "Esfera",
        choices=choices(SPHERES.items()),
        default="municipal",
        validators=[DataRequired(REQUIRED)],
    )
    uf = SelectField("UF", choices=choices([("", "—"), *UFS.items()]), validators=[Optional()])
    signed_on = DateField("Data de assinatura do termo", validators=[InputRequired(REQUIRED)])
    document = FileField(
        "Termo de adesão assinado (PDF, opcional)",
        description="O arquivo é verificado pelo conteúdo; só PDF é aceito.",
    )


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
