"""The introduction SEGES writes for a year's report."""

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import PortalForm, strip
from portal.reports.services import INTRODUCTION_MAX


class IntroductionForm(PortalForm):
    introduction = TextAreaField(
        "Introdução",
        filters=[strip],
        validators=[
            DataRequired("Escreva a introdução."),
            Length(max=INTRODUCTION_MAX, message=f"Use até {INTRODUCTION_MAX} caracteres."),
        ],
        description="Em Markdown: **negrito**, *itálico*, listas com “-” e links. "
        "Aparece no início do relatório, na página e no PDF.",
    )
