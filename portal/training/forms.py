"""Training record forms."""

from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.forms import (
    REQUIRED,
    BrDateField,
    IntegerField,
    PortalForm,
    SelectField,
    choices,
    strip,
)
from portal.training.models import MAX_HOURS, MODALITIES


class TrainingForm(PortalForm):
    refusal_field = "file"  # the evidence file is what a refusal naming no field is about

    title = StringField("Curso ou ação de capacitação", filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=300)])
    start_on = BrDateField("Início", validators=[InputRequired(REQUIRED)])
    end_on = BrDateField("Fim", validators=[InputRequired(REQUIRED)])
    hours = IntegerField(
        "Carga horária (horas)",
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=MAX_HOURS,
                                message=f"Informe de 1 a {MAX_HOURS} horas.")])
    participants = IntegerField(
        "Participantes", default=0,
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, message="O número de participantes não pode ser negativo.")])
    modality = SelectField("Modalidade", choices=choices(MODALITIES.items()),
                           validators=[DataRequired(REQUIRED)])
    file = FileField("Evidência (opcional)",
                     description="Lista de presença, certificado ou relatório: PDF, imagem, "
                                 "documento ou planilha.")

    def validate_end_on(self, field) -> None:
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError("O fim deve ser igual ou posterior ao início.")


class TrainingFilterForm(PortalForm):
    class Meta:
        csrf = False

    ano = SelectField("Ano", validators=[Optional()])
    instituicao = SelectField("Instituição", validators=[Optional()])

    def __init__(self, *args, years=(), institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ano.choices = choices([("", "Todos"), *((str(y), str(y)) for y in years)])
        self.instituicao.choices = choices(
            [("", "Todas"), *((str(i.id), i.acronym or i.name) for i in institutions)])
