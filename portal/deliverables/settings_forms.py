"""The form of SEGES's default deadlines (Prazos padrão da SEGES)."""

from wtforms import BooleanField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from portal.core.forms import REQUIRED, IntegerField, PortalForm
from portal.deliverables.deadlines import DAY_LIMITS, SETTINGS_FIELDS

NEVER_ON_HOLIDAYS = "A data nunca cai em sábado, domingo ou feriado nacional."


def _parsed(_form, field) -> None:
    """Stop at the parse error ("Informe um número inteiro."): no range message on top."""
    if field.process_errors:
        raise StopValidation()


def _days(label: str, name: str, description: str) -> IntegerField:
    low, high = DAY_LIMITS[name]
    return IntegerField(
        label,
        description=description,
        validators=[
            InputRequired(REQUIRED),
            _parsed,
            NumberRange(min=low, max=high, message=f"Informe de {low} a {high} dias."),
        ],
    )


class DeadlineSettingsForm(PortalForm):
    meeting_days = _days(
        "Reunião técnica: dias para relatar após a reunião",
        "meeting_days",
        "Contados a partir do dia da reunião convocada pela SEGES. " + NEVER_ON_HOLIDAYS,
    )
    forum_days = _days(
        "Fórum: dias para relatar após o fórum",
        "forum_days",
        "Contados a partir do dia do fórum. " + NEVER_ON_HOLIDAYS,
    )
    course_change_days = _days(
        "Alteração nos cursos: dias para divulgar após a alteração",
        "course_change_days",
        "Contados a partir do dia em que a SEGES altera o cronograma de cursos. "
        + NEVER_ON_HOLIDAYS,
    )
    business_days = BooleanField(
        "Contar em dias úteis (sem sábados, domingos e feriados nacionais)",
        description=(
            "Vale para os três prazos acima. Desmarcado, conta dias corridos; se o último dia "
            "cair em fim de semana ou feriado nacional, o prazo passa para o dia útil seguinte."
        ),
    )
    followup_days_before_closing = _days(
        "Relato de acompanhamento anual: dias antes do fechamento do Relatório Anual (31/03)",
        "followup_days_before_closing",
        "Para as obrigações contínuas, que não têm data no Plano de Trabalho. Dias corridos, "
        "contados para trás a partir de 31/03 do ano seguinte (0: no próprio fechamento). "
        "Se a data cair em fim de semana ou feriado nacional, passa para o dia útil seguinte.",
    )

    def values(self) -> dict:
        """What the service takes: every setting, by name."""
        return {name: self._fields[name].data for name in SETTINGS_FIELDS}
