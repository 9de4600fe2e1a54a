"""Forum forms."""

from flask_wtf.file import MultipleFileField  # keeps only real files, never form strings
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.core.forms import REQUIRED, IntegerField, PortalForm, SelectField, choices, strip
from portal.forum.models import BODY_MAX, TITLE_MAX

BODY_HELP = (
    "Use Markdown: **negrito**, *itálico*, listas, `código` e [links](https://…). "
    "Para mencionar alguém, escreva @ e o nome da pessoa e escolha-a na lista."
)


def _body(label: str = "Mensagem") -> TextAreaField:
    return TextAreaField(
        label,
        filters=[strip],
        description=BODY_HELP,
        validators=[
            DataRequired("Escreva a mensagem."),
            Length(
                max=BODY_MAX,
                message=f"A mensagem pode ter no máximo {BODY_MAX:_} caracteres.".replace("_", "."),
            ),
        ],
    )


def _files() -> MultipleFileField:
    return MultipleFileField(
        "Anexos (opcional)",
        description="PDF, documentos do Office ou LibreOffice, planilhas e imagens (PNG, JPEG); "
        "até 5 arquivos. O tipo é verificado pelo conteúdo.",
    )


class TopicForm(PortalForm):
    category_id = SelectField("Categoria", validators=[Optional()])
    title = StringField(
        "Título",
        filters=[strip],
        validators=[
            DataRequired("Escreva um título."),
            Length(
                min=5, max=TITLE_MAX, message=f"O título deve ter entre 5 e {TITLE_MAX} caracteres."
            ),
        ],
    )
    body = _body("Pergunta ou mensagem")
    goal_id = SelectField("Meta relacionada (opcional)", validators=[Optional()])
    files = _files()

    def __init__(self, *args, goals=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goal_id.choices = choices(
            [("", "Nenhuma"), *((str(g.id), f"{g.code} — {g.description[:80]}") for g in goals)]
        )
        self.category_id.choices = choices(
            [("", "Escolha a categoria"), *((str(c.id), c.name) for c in categories)]
        )


class PostForm(PortalForm):
    body = _body()
    files = _files()


class ReportForm(PortalForm):
    reason = TextAreaField(
        "Motivo da denúncia",
        filters=[strip],
        description="Diga o que há de errado (ofensa, dado pessoal exposto, propaganda…).",
        validators=[
            DataRequired("Explique o motivo da denúncia."),
            Length(min=5, max=500, message="O motivo deve ter entre 5 e 500 caracteres."),
        ],
    )


class MoveTopicForm(PortalForm):
    category_id = SelectField("Nova categoria", validators=[DataRequired(REQUIRED)])

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = choices((str(c.id), c.name) for c in categories)


class CategoryForm(PortalForm):
    name = StringField(
        "Nome", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    description = StringField(
        "Descrição", filters=[strip], validators=[Optional(), Length(max=300)]
    )
    position = IntegerField(
        "Ordem de exibição",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=999, message="Use um número de 0 a 999.")],
    )
    seges_only = BooleanField("Só a SEGES abre tópicos (avisos)")


class SearchForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField("Buscar no fórum", filters=[strip], validators=[Optional(), Length(max=200)])
    categoria = SelectField("Categoria", validators=[Optional()])
    situacao = SelectField(
        "Situação",
        choices=choices([("", "Todas"), ("resolvidos", "Resolvidos"), ("abertos", "Sem solução")]),
        validators=[Optional()],
    )
    goal = SelectField("Meta", name="meta", validators=[Optional()])
    periodo = SelectField(
        "Atividade",
        choices=choices(
            [
                ("", "Qualquer data"),
                ("30d", "Últimos 30 dias"),
                ("6m", "Últimos 6 meses"),
                ("12m", "Últimos 12 meses"),
            ]
        ),
        validators=[Optional()],
    )

    def __init__(self, *args, categories=(), goal_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.categoria.choices = choices(
            [("", "Todas"), *((str(c.id), c.name) for c in categories)]
        )
        self.goal.choices = choices([("", "Todas"), *((c, f"Meta {c}") for c in goal_codes)])
