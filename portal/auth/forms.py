"""Account forms."""

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.auth.roles import ROLE_LABELS
from portal.core.forms import CPF, REQUIRED, PortalForm, SelectField, choices, strip

EMAIL = "Informe um e-mail válido."


class LoginForm(PortalForm):
    email = EmailField(
        "E-mail", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=254)]
    )
    password = PasswordField("Senha", validators=[DataRequired(REQUIRED), Length(max=200)])


class NewPasswordMixin:
    new_password = PasswordField(
        "Nova senha",
        description=(
            "Pelo menos 10 caracteres. Frases longas são fáceis de lembrar e difíceis de adivinhar."
        ),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    confirm = PasswordField(
        "Repita a nova senha",
        validators=[DataRequired(REQUIRED), EqualTo("new_password", "As senhas não conferem.")],
    )


class ChangePasswordForm(PortalForm, NewPasswordMixin):
    current_password = PasswordField("Senha atual", validators=[DataRequired(REQUIRED)])


class SetPasswordForm(PortalForm, NewPasswordMixin):
    pass


class ForgotPasswordForm(PortalForm):
    email = EmailField(
        "E-mail",
        filters=[strip],
        validators=[DataRequired(REQUIRED), Email(EMAIL), Length(max=254)],
    )


class UserForm(PortalForm):
    name = StringField(
        "Nome completo", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    email = EmailField(
        "E-mail",
        filters=[strip],
        validators=[DataRequired(REQUIRED), Email(EMAIL), Length(max=254)],
    )
    cpf = StringField(
        "CPF",
        filters=[strip],
        description="Opcional. Somente para SEGES e o coordenador do parceiro.",
        validators=[Optional(), Length(max=14), CPF()],
    )
    phone = StringField("Telefone", filters=[strip], validators=[Optional(), Length(max=30)])
    role = SelectField("Perfil", validators=[DataRequired(REQUIRED)])

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices((str(r), ROLE_LABELS[r]) for r in roles)


class EditUserForm(UserForm):
    email = None  # the login e-mail is fixed once the account exists


class FilterUsersForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(
        "Buscar por nome ou e-mail", filters=[strip], validators=[Optional(), Length(max=100)]
    )


class GovbrLevelsForm(PortalForm):
    """The least gov.br confiabilidade per role (one select per role)."""

    seges_admin = SelectField("Administrador(a) SEGES")
    seges_reviewer = SelectField("Analista SEGES")
    partner_manager = SelectField("Coordenador(a) do parceiro")
    partner_member = SelectField("Membro do parceiro")

    ROLES = ("seges_admin", "seges_reviewer", "partner_manager", "partner_member")

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        for role in self.ROLES:
            self[role].choices = list(levels)
