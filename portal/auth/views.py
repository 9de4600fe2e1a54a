"""Login, logout, passwords, activation and user management."""

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required

from portal.auth import govbr, services, tokens
from portal.auth.forms import (
    ChangePasswordForm,
    EditUserForm,
    FilterUsersForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
    UserForm,
)
from portal.auth.govbr_views import bp as govbr_bp
from portal.auth.models import User
from portal.auth.navigation import config_value, safe_next
from portal.auth.policy import assignable_roles
from portal.core.access import Action, authorise
from portal.core.htmx import render
from portal.extensions import db, limiter
from portal.institutions.models import Institution

bp = Blueprint("auth", __name__)
bp.register_blueprint(govbr_bp)  # "Entrar com gov.br": auth.govbr.*


def _login_email() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code == 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(config_value("RATELIMIT_LOGIN_PER_IP"), methods=["POST"])
@limiter.limit(
    config_value("RATELIMIT_LOGIN_PER_ACCOUNT"),
    methods=["POST"],
    key_func=_login_email,
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("deliverables.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with form.refusals():
            govbr.check_password_login(form.email.data, form.password.data)
            user = services.authenticate(form.email.data, form.password.data)
            services.start_session(user)
            flash(f"Bem-vindo(a), {user.name}!", "success")
            return redirect(safe_next(request.args.get("next")))
    return render(
        "auth/login.html",
        "auth/_login_form.html",
        form.status,
        form=form,
        govbr_logout_url=session.pop(govbr.SESSION_LOGOUT_URL, None),
    )


def _offer_govbr_logout(id_token: str | None) -> None:
    """After "Sair" of a session that came from gov.br, the login page offers gov.br's own
    end-session once (RP-initiated logout): the portal's session is over either way."""
    url = govbr.end_session_url(id_token)
    if url:
        session[govbr.SESSION_LOGOUT_URL] = url


@bp.post("/logout")
@login_required
def logout():
    """"Sair": this browser only; the header's form posts here."""
    id_token = session.get(govbr.SESSION_ID_TOKEN)
    services.end_session(current_user._get_current_object())
    _offer_govbr_logout(id_token)
    flash(
        "Você saiu do portal. Só este navegador foi desconectado: se você entrou em outros "
        "dispositivos, eles continuam conectados (para encerrá-los, use “Sair de todos os "
        "dispositivos” em Minha conta).",
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/conta/sair-de-todos", methods=["GET", "POST"])
@login_required
def logout_everywhere():
    """"Sair de todos os dispositivos". The account page's form asks first (``hx-confirm``);
    without JavaScript, or opened by its address, this page asks. Only a post that was
    confirmed (htmx after its question, or this page's button) signs out."""
    # CSRF is checked for every post before any view runs.
    htmx = request.headers.get("HX-Request") == "true"
    if request.method == "GET" or not (htmx or request.form.get("confirmar") == "sim"):
        return render("auth/logout_everywhere.html", "auth/_logout_everywhere.html")
    id_token = session.get(govbr.SESSION_ID_TOKEN)
    services.end_all_sessions(current_user._get_current_object())
    _offer_govbr_logout(id_token)
    flash(
        "Você saiu do portal em todos os dispositivos: as sessões abertas com sua conta em "
        "outros navegadores e computadores foram encerradas, e esta também. "
        "Entre novamente para continuar.",
        "success",
    )
    if htmx:  # boosted too: load the login page afresh, not swapped into this one
        return "", 200, {"HX-Redirect": url_for("auth.login")}
    return redirect(url_for("auth.login"))


@bp.route("/conta")
@login_required
def account():
    return render("auth/account.html", "auth/_account.html", user=current_user)


@bp.route("/conta/senha", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with form.refusals():
            services.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.new_password.data,
            )
            flash(
                "Senha alterada. As outras sessões abertas com sua conta foram encerradas.",
                "success",
            )
            return redirect(url_for("auth.account"))
    return render(
        "auth/change_password.html", "auth/_change_password_form.html", form.status, form=form
    )


@bp.route("/senha/esqueci", methods=["GET", "POST"])
@limiter.limit(config_value("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            "Se o e-mail estiver cadastrado, enviamos um link para redefinir a senha. "
            "Ele vale por 2 horas e pode ser usado uma vez.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render(
        "auth/forgot_password.html", "auth/_forgot_password_form.html", form.status, form=form
    )


@bp.route("/senha/redefinir/<token>", methods=["GET", "POST"])
@limiter.limit(config_value("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def reset_password(token: str):
    return _set_password_page(token, "reset")


@bp.route("/ativar/<token>", methods=["GET", "POST"])
@limiter.limit(config_value("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def activate(token: str):
    return _set_password_page(token, "activate")


def _set_password_page(token: str, purpose: str):
    if tokens.load_token(token, purpose) is None:
        flash(services.INVALID_LINK, "danger")
        return redirect(url_for("auth.forgot_password" if purpose == "reset" else "auth.login"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        action = services.reset_password if purpose == "reset" else services.activate_account
        with form.refusals():
            action(token, form.new_password.data)
            flash("Senha definida. Entre com seu e-mail e a nova senha.", "success")
            return redirect(url_for("auth.login"))
    return render(
        "auth/set_password.html",
        "auth/_set_password_form.html",
        form.status,
        form=form,
        purpose=purpose,
    )


# User management ------------------------------------------------------------


@bp.get("/usuarios")
@login_required
@authorise(Action.USER_LIST)
def users():
    filters = FilterUsersForm(request.args)
    query = services.users_query(current_user, filters.q.data if filters.validate() else None)
    page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render("auth/users.html", "auth/_users_table.html", page=page, filters=filters)


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/instituicoes/<int:institution_id>/usuarios/convidar", methods=["GET", "POST"])
@login_required
@authorise(Action.USER_INVITE, Institution, "institution_id")
def invite_user(institution: Institution):
    roles = assignable_roles(current_user)
    if not institution.is_secretariat:
        roles = [r for r in roles if r.startswith("partner")]
    form = UserForm(roles=roles)
    if form.validate_on_submit():
        with form.refusals():
            services.invite_user(
                by=current_user,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                institution=institution,
                cpf=form.cpf.data,
                phone=form.phone.data,
            )
            flash(
                f"Convite enviado para {services.normalise_email(form.email.data)}. "
                "A conta fica pendente até a ativação.",
                "success",
            )
            return redirect(url_for("institutions.institution", institution_id=institution.id))
    return render(
        "auth/invite_user.html",
        "auth/_user_form.html",
        form.status,
        form=form,
        institution=institution,
    )


@bp.route("/usuarios/<int:user_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.USER_EDIT, _get_user, "user_id")
def edit_user(user: User):
    roles = assignable_roles(current_user)
    if not user.institution.is_secretariat:
        roles = [r for r in roles if r.startswith("partner")]
    form = EditUserForm(obj=user, roles=roles)
    if not form.is_submitted():
        services.record_cpf_view(user, by=current_user)  # the form shows the CPF in full
    if form.validate_on_submit():
        with form.refusals():
            services.update_user(
                user,
                by=current_user,
                name=form.name.data,
                cpf=form.cpf.data,
                phone=form.phone.data or None,
                role=form.role.data,
            )
            flash("Dados do usuário atualizados.", "success")
            return redirect(url_for("auth.users"))
    return render(
        "auth/edit_user.html",
        "auth/_user_form.html",
        form.status,
        form=form,
        user=user,
        institution=user.institution,
    )


@bp.post("/usuarios/<int:user_id>/desativar")
@login_required
@authorise(Action.USER_DEACTIVATE, _get_user, "user_id")
def deactivate_user(user: User):
    services.deactivate(user, by=current_user)
    flash(f"{user.name} foi desativado(a) e suas sessões foram encerradas.", "success")
    return redirect(url_for("auth.users"))


@bp.post("/usuarios/<int:user_id>/reativar")
@login_required
@authorise(Action.USER_DEACTIVATE, _get_user, "user_id")
def reactivate_user(user: User):
    services.reactivate(user, by=current_user)
    flash(f"{user.name} foi reativado(a).", "success")
    return redirect(url_for("auth.users"))


@bp.post("/usuarios/<int:user_id>/reenviar-convite")
@login_required
@authorise(Action.USER_EDIT, _get_user, "user_id")
def resend_invitation(user: User):
    if not user.is_pending_activation:
        abort(409, "Esta conta já foi ativada.")
    services.send_activation(user)
    flash(f"Convite reenviado para {user.email}.", "success")
    return redirect(url_for("auth.users"))
