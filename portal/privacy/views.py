"""The LGPD export: a user downloads what the portal holds about them (art. 18, II)."""

import json

from flask import Blueprint, Response
from flask_login import current_user, login_required

from portal.core.clock import local_today
from portal.privacy import services as lgpd

bp = Blueprint("privacy", __name__)


@bp.get("/conta/meus-dados.json")
@login_required
def personal_data():
    """The user's own personal data, as a download; the export itself is audited."""
    user = current_user._get_current_object()
    data = lgpd.export_personal_data(user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="meus-dados-{local_today()}.json"',
            "Cache-Control": "no-store",
        },
    )
