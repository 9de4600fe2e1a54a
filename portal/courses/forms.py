"""Forms of the course schedule (courses, classes) and its filters."""

from wtforms import BooleanField, MonthField, StringField, TextAreaField, URLField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.exceptions import DomainError
from portal.core.forms import (
    REQUIRED,
    BrDateField,
    IntegerField,
    PortalForm,
    SelectField,
    choices,
    strip,
)
from portal.courses.services import MAX_COURSE_HOURS, check_url
from portal.training.models import MODALITIES


class CourseForm(PortalForm):
    title = StringField("Nome do curso", filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=300)])
    description = TextAreaField("Descrição", filters=[strip],
                                description="Aceita Markdown (títulos, listas, links).",
                                validators=[Length(max=20_000)])
    hours = IntegerField(
        "Carga horária (horas)",
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=MAX_COURSE_HOURS,
                                message=f"Informe de 1 a {MAX_COURSE_HOURS} horas.")])
    modality = SelectField("Modalidade", choices=choices(MODALITIES.items()),
                           validators=[DataRequired(REQUIRED)])
    audience = StringField("Público-alvo", filters=[strip], validators=[Length(max=300)])


class CourseClassForm(PortalForm):
    enrollment_opens_on = BrDateField("Inscrições: início", validators=[InputRequired(REQUIRED)])
    enrollment_closes_on = BrDateField("Inscrições: fim", validators=[InputRequired(REQUIRED)])
    starts_on = BrDateField("Turma: início", validators=[InputRequired(REQUIRED)])
    ends_on = BrDateField("Turma: fim", validators=[InputRequired(REQUIRED)])
    seats = IntegerField("Vagas", validators=[
        Optional(), NumberRange(min=1, message="Informe ao menos 1 vaga (ou deixe em branco).")])
    place = StringField("Local ou link da turma", filters=[strip], validators=[Length(max=500)])
    enrollment_url = URLField("Endereço para inscrição", filters=[strip],
                              description="Começa com http:// ou https://.",
                              validators=[Length(max=2000)])

    def validate_enrollment_closes_on(self, field) -> None:
        if field.data and self.enrollment_opens_on.data:
            if field.data < self.enrollment_opens_on.data:
                raise ValidationError("O fim das inscrições deve ser igual ou posterior ao "
                                      "início.")
            if self.ends_on.data and field.data > self.ends_on.data:
                raise ValidationError("As inscrições devem fechar até o fim da turma.")

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("O fim da turma deve ser igual ou posterior ao início.")

    def validate_enrollment_url(self, field) -> None:
        try:
            check_url(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from None


class PtMonthField(MonthField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Mês inválido: use aaaa-mm.") from None


class CourseFilterForm(PortalForm):
    class Meta:
        csrf = False

    modalidade = SelectField("Modalidade", choices=choices([("", "Todas"), *MODALITIES.items()]),
                             validators=[Optional()])
    mes = PtMonthField("Mês", validators=[Optional()])
    abertas = BooleanField("Somente com inscrições abertas")
