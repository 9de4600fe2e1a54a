"""SEGES's default deadlines (Prazos padrão da SEGES): admins set them, reviewers read them."""

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.auth.models import User
from portal.core.access import Action, authorise, require
from portal.core.htmx import render
from portal.deliverables import deadlines
from portal.deliverables.settings_forms import DeadlineSettingsForm
from portal.deliverables.views import bp
from portal.extensions import db


@bp.route("/configuracoes/prazos", methods=["GET", "POST"])
@login_required
@authorise(Action.DEADLINE_SETTINGS_VIEW)
def deadline_settings():
    settings = deadlines.current()
    form = DeadlineSettingsForm(obj=settings)
    if request.method == "POST":
        require(current_user, Action.DEADLINE_SETTINGS_EDIT)
        if form.validate():
            with form.refusals():
                deadlines.update_settings(by=current_user, **form.values())
                flash(
                    "Prazos padrão da SEGES salvos. Valem para as entregas criadas a partir "
                    "de agora; as datas já existentes não mudam.",
                    "success",
                )
                return redirect(url_for("deliverables.deadline_settings"))
    updated_by = db.session.get(User, settings.updated_by_id) if settings.updated_by_id else None
    return render(
        "deliverables/deadline_settings.html",
        "deliverables/_deadline_settings.html",
        form.status,
        form=form,
        settings=settings,
        updated_by=updated_by,
    )
