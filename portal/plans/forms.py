"""Work-plan forms: editing an agreement's data and a goal's schedule, importing a plan, and
registering an adhesion (with the date, integer and NUP fields they share)."""

from datetime import date
from typing import ClassVar

import wtforms
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.agreements.models import GOAL_ROLES, RESPONSIBLE
from portal.core.forms import (
    CNPJ,
    REQUIRED,
    BrDateField,
    IntegerField,
    PortalForm,
    SelectField,
    choices,
    strip,
)
from portal.core.validators import is_valid_nup
from portal.institutions.models import SPHERES, UFS
from portal.schedule.engine import ScheduleError

YEARS_MESSAGE = "A vigência deve ter de 1 a 20 anos."
MAX_PLAN_BYTES = 2 * 1024 * 1024



class NUP:
    def __init__(
        self, message: str = "Número de processo SEI inválido: confira os dígitos verificadores."
    ):
        self.message = message

    def __call__(self, _form, field) -> None:
        if field.data and not is_valid_nup(field.data):
            raise ValidationError(self.message)


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
    signed_on = BrDateField("Data de assinatura", validators=[Optional()])
    term_start = BrDateField("Início da vigência", validators=[InputRequired(REQUIRED)])
    years = IntegerField(
        "Vigência em anos",
        validators=[Optional(), NumberRange(1, 20, YEARS_MESSAGE)],
        description="Preencha os anos ou a data de fim da vigência.",
    )
    term_end = BrDateField("Fim da vigência", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.term_end.data is None and self.years.data is None:
            self.term_end.errors.append("Informe a vigência em anos ou a data de fim.")
            return False
        return valid


SCHEDULE_KIND_LABELS = {
    "once_after_start": "Uma vez, dias ou meses após o início, a assinatura ou a publicação",
    "at_start": "Contínua, a partir do início da vigência (sem data no plano)",
    "annual": "Anual",
    "periodic": "Periódica (a cada N meses)",
    "during_term": "Contínua, durante a vigência (sem data no plano)",
    "per_regulation": "Contínua, conforme a norma vigente (sem data no plano)",
    "on_call": "Quando convocado ou solicitado",
    "monthly_after_event": "Mensal, após cada adesão",
    "after_event": "Uma vez por adesão, dias após cada adesão",
    "before_end": "Uma vez, antes do fim da vigência",
    "after_end": "Uma vez, após o fim da vigência",
    "fixed_date": "Uma vez, em data fixa",
    "annual_date": "Todo ano, em dia e mês fixos",
    "manual": "Definir manualmente",
}


class ScheduleFields:
    """The structured-prazo editor: one field per schedule parameter, and the mapping between
    a schedule dict and those fields. Mixed into the goal form and the import review."""

    kind = SelectField(
        "Tipo de prazo",
        choices=choices(SCHEDULE_KIND_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    days = StringField("Número de dias", filters=[strip], validators=[Length(max=10)])
    business_days = BooleanField("Contar em dias úteis")
    origin = SelectField(
        "Contar a partir de",
        choices=choices([
            ("start", "Início da vigência"),
            ("signature", "Assinatura"),
            ("publication", "Publicação do extrato"),
        ]),
        default="start",
        validate_choice=False,
    )
    months = StringField(
        "Número de meses (periodicidade ou prazo)", filters=[strip], validators=[Length(max=10)]
    )
    due_day = StringField(
        "Vence no dia do mês seguinte a cada período", filters=[strip], validators=[Length(max=10)]
    )
    days_after = StringField(
        "Vence dias após o fim de cada período", filters=[strip], validators=[Length(max=10)]
    )
    fixed_date = BrDateField("Data do prazo", validators=[Optional()])
    month = StringField("Mês (1 a 12)", filters=[strip], validators=[Length(max=10)])
    min_hours = StringField(
        "Carga horária mínima anual (horas)", filters=[strip], validators=[Length(max=10)]
    )
    also_on = SelectField(
        "Também gera entrega",
        choices=choices([
            ("", "Não"),
            ("course_schedule_change", "A cada alteração nos cursos"),
            ("request", "Sempre que a SEGES solicitar"),
            ("meeting", "A cada reunião convocada"),
        ]),
        default="",
        validate_choice=False,
    )
    trigger = SelectField(
        "Gatilho",
        choices=choices([("meeting", "Reunião"), ("request", "Solicitação")]),
        default="meeting",
        validate_choice=False,
    )
    day = StringField(
        "Dia do mês (mensal após adesão; dia do prazo anual)",
        filters=[strip],
        validators=[Length(max=10)],
    )

    # Which fields describe each kind of schedule, and where a schedule key lives in the form.
    SCHEDULE_FIELDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "once_after_start": ("days", "months", "business_days", "origin", "also_on"),
        "at_start": ("origin", "also_on"),
        "annual": ("min_hours", "also_on"),
        "periodic": ("months", "due_day", "business_days", "days_after", "also_on"),
        "during_term": ("also_on",),
        "per_regulation": ("also_on",),
        "on_call": ("trigger",),
        "monthly_after_event": ("day",),
        "after_event": ("days", "business_days"),
        "before_end": ("days", "months", "business_days", "also_on"),
        "after_end": ("days", "months", "business_days", "also_on"),
        "fixed_date": ("fixed_date", "also_on"),
        "annual_date": ("month", "day", "also_on"),
    }
    _KEY_OF_FIELD: ClassVar[dict[str, str]] = {"origin": "from", "fixed_date": "date"}
    _FIELD_OF_KEY: ClassVar[dict[str, str]] = {
        "from": "origin", "event": "day", "date": "fixed_date"
    }
    _NUMBERS = frozenset({"days", "months", "min_hours", "day", "due_day", "days_after", "month"})

    def schedule(self) -> dict:
        """The schedule dict this form describes (``validate_schedule`` checks it)."""
        result: dict = {"kind": self.kind.data}
        for name in self.SCHEDULE_FIELDS.get(self.kind.data, ()):
            value = self[name].data
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
                if value.isascii() and value.isdigit() and name in self._NUMBERS:
                    value = int(value)
            result[self._KEY_OF_FIELD.get(name, name)] = value
        return result

    def load_schedule(self, goal_schedule: dict) -> None:
        self.kind.data = goal_schedule.get("kind", "manual")
        for key in self._NUMBERS:
            if goal_schedule.get(key) is not None:
                self[key].data = str(goal_schedule[key])
        self.business_days.data = bool(goal_schedule.get("business_days"))
        self.origin.data = goal_schedule.get("from") or "start"
        self.also_on.data = goal_schedule.get("also_on") or ""
        self.trigger.data = goal_schedule.get("trigger") or "meeting"
        if goal_schedule.get("date"):
            self.fixed_date.data = date.fromisoformat(goal_schedule["date"])

    def fail_schedule(self, error: ScheduleError) -> None:
        """Show a schedule refusal at the field of the key it names (else at the kind)."""
        name = self._FIELD_OF_KEY.get(error.field, error.field) or "kind"
        field = self[name] if name in self._fields else self.kind
        field.errors = [*field.errors, str(error)]


class GoalForm(ScheduleFields, PortalForm):
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
    def fail(self, error, field: str | None = None) -> None:
        """A schedule refusal names a schedule key: shown at its field (else at the kind)."""
        if isinstance(error, ScheduleError) and field is None:
            field = self._FIELD_OF_KEY.get(error.field, error.field) or "kind"
        super().fail(error, field)


class GoalReviewForm(ScheduleFields, wtforms.Form):
    """One meta of a plan being imported, as SEGES confirms or corrects it: its schedule and
    whether adherents execute it (the code ties it to the plan's row)."""

    code = wtforms.HiddenField(filters=[strip], validators=[Length(max=12)])
    adherent = BooleanField("Executada pelas instituições aderentes")


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
    start = BrDateField("Início da vigência", validators=[Optional()])
    years = IntegerField(
        "Vigência em anos", default=5, validators=[Optional(), NumberRange(1, 20, YEARS_MESSAGE)]
    )
    number = StringField(
        "Número do acordo (opcional)",
        filters=[strip],
        validators=[Optional(), Length(max=40)],
        description="Substitui o número lido do documento (mesmo plano, outro partícipe).",
    )
    goals = wtforms.FieldList(wtforms.FormField(GoalReviewForm), max_entries=500)


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
    signed_on = BrDateField("Data de assinatura do termo", validators=[InputRequired(REQUIRED)])
    document = FileField(
        "Termo de adesão assinado (PDF, opcional)",
        description="O arquivo é verificado pelo conteúdo; só PDF é aceito.",
    )


