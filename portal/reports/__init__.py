"""Relatório Anual da Rede de Parcerias (meta 3.6) and each partner's contribution (3.5)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/relatorio-anual")

from portal.reports import views  # noqa: E402, F401
