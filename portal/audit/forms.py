"""Filters of the audit trail (Auditoria)."""

from wtforms import StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.audit.services import OBJECT_TYPE_LABELS, AuditFilters, action_label
from portal.core.forms import BrDateField, IntegerField, PortalForm, SelectField, choices, strip
from portal.core.spreadsheets import applied_filters, filters_line

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # type=date sends ISO; typed text is dd/mm/aaaa


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False

    usuario = StringField(
        "Usuário (e-mail)", filters=[strip], validators=[Optional(), Length(max=254)]
    )
    instituicao = StringField(
        "Instituição (nome, sigla ou CNPJ)",
        filters=[strip],
        validators=[Optional(), Length(max=300)],
    )
    acao = SelectField("Ação", validate_choice=False, validators=[Optional()])
    objeto = SelectField("Tipo de objeto", validate_choice=False, validators=[Optional()])
    objeto_id = IntegerField(
        "Id do objeto",
        validators=[Optional(), NumberRange(min=1, message="Informe um número positivo.")],
    )
    de = BrDateField("De", format=DATE_FORMATS, validators=[Optional()])
    ate = BrDateField("Até", format=DATE_FORMATS, validators=[Optional()])

    def __init__(self, *args, actions=(), all_institutions: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.acao.choices = choices([("", "Todas"), *((a, action_label(a)) for a in actions)])
        self.objeto.choices = choices([("", "Todos"), *OBJECT_TYPE_LABELS.items()])
        if not all_institutions:
            del self.instituicao

    def validate_ate(self, field) -> None:
        if field.data and self.de.data and field.data < self.de.data:
            raise ValidationError("A data final deve ser igual ou posterior à inicial.")

    def to_filters(self) -> AuditFilters:
        """The valid filters only: a field with an error is ignored, not applied half-way."""

        def ok(field):
            return field.data if field.data not in ("", None) and not field.errors else None

        return AuditFilters(
            actor=ok(self.usuario),
            institution=ok(self.instituicao) if "instituicao" in self else None,
            action=ok(self.acao),
            object_type=ok(self.objeto),
            object_id=ok(self.objeto_id),
            since=ok(self.de),
            until=ok(self.ate),
        )

    def described(self) -> list[str]:
        """What an export says of the page it lists: the filters applied (the order is
        always the page's, newest first)."""
        names = ("usuario", "instituicao", "acao", "objeto", "objeto_id", "de", "ate")
        return [filters_line(applied_filters(self, names))]
