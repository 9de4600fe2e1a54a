"""Entrar com gov.br: the flow's two ends, linking on the account page, and the levels SEGES
sets per role. A blueprint nested in the auth one (endpoints ``auth.govbr.*``)."""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.auth import govbr
from portal.auth.forms import GovbrLevelsForm
from portal.auth.navigation import config_value, safe_next
from portal.core.access import Action, authorise
from portal.core.htmx import render
from portal.extensions import csrf, limiter

bp = Blueprint("govbr", __name__)


@bp.app_context_processor
def _govbr_context() -> dict:
    return {
        "govbr_enabled": govbr.enabled,
        "password_login_enabled": govbr.password_login_enabled,
    }


@bp.get("/login/govbr")
@limiter.limit(config_value("RATELIMIT_LOGIN_PER_IP"))
def login():
    """"Entrar com gov.br": off to gov.br's authorization endpoint."""
    if current_user.is_authenticated:
        return redirect(url_for("deliverables.home"))
    next_url = request.args.get("next")
    return govbr.begin("login", safe_next(next_url) if next_url else None)


@bp.get("/login/govbr/retorno")
@limiter.limit(config_value("RATELIMIT_LOGIN_PER_IP"))
def callback():
    """gov.br sends the browser back here with the code (or an error)."""
    intent, user, kept = govbr.complete()
    if intent == "link":
        flash("Conta gov.br vinculada: você já pode entrar com gov.br.", "success")
        return redirect(url_for("auth.account"))
    govbr.sign_in(user, kept)
    flash(f"Bem-vindo(a), {user.name}!", "success")
    return redirect(safe_next(kept.get("next")))


@bp.post("/login/govbr/logout-backchannel")
@csrf.exempt  # gov.br's server posts here (a signed logout token), not a browser
@limiter.limit(config_value("RATELIMIT_LOGIN_PER_IP"))
def backchannel_logout():
    """OpenID Connect Back-Channel Logout: gov.br tells which session ended."""
    if govbr.backchannel_logout(request.form.get("logout_token")):
        return "", 200, {"Cache-Control": "no-store"}
    return {"error": "invalid_request"}, 400, {"Cache-Control": "no-store"}


@bp.route("/conta/govbr/vincular", methods=["GET", "POST"])
@login_required
def link():
    """"Vincular conta gov.br": a page that asks, then (its form, with the CSRF token) the same
    flow for the signed-in person's own account; a link elsewhere cannot start it."""
    if current_user.govbr_linked:
        flash("Sua conta já está vinculada ao gov.br.", "info")
        return redirect(url_for("auth.account"))
    if request.method == "POST":
        return govbr.begin("link")
    govbr.require_enabled()
    response = make_response(render_template("auth/govbr/link.html"))
    # The form's answer is a redirect to gov.br: this page lets forms lead there.
    response.headers["Content-Security-Policy"] = govbr.csp_allowing_provider_forms()
    return response


@bp.post("/conta/govbr/desvincular")
@login_required
def unlink():
    govbr.unlink(current_user._get_current_object())
    flash(
        "Conta desvinculada do gov.br: entre com e-mail e senha. Para voltar a usar o gov.br, "
        "vincule de novo aqui em Minha conta.",
        "success",
    )
    return redirect(url_for("auth.account"))


@bp.route("/administracao/govbr", methods=["GET", "POST"])
@login_required
@authorise(Action.GOVBR_SETTINGS_EDIT)
def settings():
    """The least confiabilidade each role needs to enter with gov.br."""
    levels = [(level, govbr.LEVEL_LABELS[level]) for level in govbr.LEVELS]
    current = govbr.required_levels()
    form = GovbrLevelsForm(data=current if request.method == "GET" else None, levels=levels)
    if form.validate_on_submit():
        with form.refusals():
            govbr.set_required_levels(
                {role: form[role].data for role in form.ROLES}, by=current_user
            )
            flash("Níveis mínimos do gov.br salvos.", "success")
            return redirect(url_for("auth.govbr.settings"))
    return render(
        "auth/govbr/settings.html",
        "auth/govbr/_settings_form.html",
        form.status,
        form=form,
        defaults=govbr.DEFAULT_LEVELS,
        labels=govbr.LEVEL_LABELS,
    )

