"""Pagination for queries that return rows of several columns (aggregates, reports)."""

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination

from portal.extensions import db


class RowPagination(SelectPagination):
    """Like ``db.paginate`` but the items are whole rows, not the first column."""

    def _query_items(self) -> list:
        select = self._query_args["select"]
        select = select.limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(select, per_page: int | None = None) -> RowPagination:
    return RowPagination(
        select=select,
        session=db.session,
        error_out=False,
        per_page=per_page or current_app.config["ITEMS_PER_PAGE"],
    )
