"""Pagination: the requested page, and pages of rows of several columns (aggregates, reports).

Imports no other portal module: ``portal.extensions`` builds ``db.paginate`` on it.
"""

from flask import current_app, has_request_context, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import bindparam

# Far beyond any list the portal shows; a bigger ?page= would only make an OFFSET no database
# accepts (an integer overflow, i.e. a 500), so it is served as this page: an empty one.
MAX_PAGE = 100_000


def requested_page(page: int | None = None) -> int:
    """``page``, or the request's ?page= (1 when missing or not a number), within 1..MAX_PAGE."""
    if page is None and has_request_context():
        page = request.args.get("page", 1, type=int)
    return min(max(page or 1, 1), MAX_PAGE)


def page_of(select, limit: int, offset: int):
    """``select``'s rows ``offset`` to ``offset + limit``, with both numbers written into the
    statement rather than bound. PostgreSQL keeps a prepared statement's plan only when a
    generic plan costs no more than one made for the values; with LIMIT and OFFSET bound it
    cannot tell a page from the whole list, so it planned every page again on every request
    (2.3 ms of the forum's 2.7 ms topic list). Written in, the first page is the same
    statement every time, planned once per connection."""
    return select.limit(bindparam("page_limit", limit, literal_execute=True)).offset(
        bindparam("page_offset", offset, literal_execute=True)
    )


class Page(SelectPagination):
    """``db.paginate``'s pages (:func:`page_of`)."""

    def _query_items(self) -> list:
        select = page_of(self._query_args["select"], self.per_page, self._query_offset)
        return list(self._query_args["session"].execute(select).unique().scalars())


class RowPagination(Page):
    """Like ``db.paginate`` but the items are whole rows, not the first column."""

    @staticmethod
    def _prepare_page_args(**kwargs) -> tuple[int, int]:
        page, per_page = SelectPagination._prepare_page_args(**kwargs)
        return min(page, MAX_PAGE), per_page

    def _query_items(self) -> list:
        select = page_of(self._query_args["select"], self.per_page, self._query_offset)
        return list(self._query_args["session"].execute(select).all())


class CountedPagination(Page):
    """Like ``db.paginate``, with the total given by ``counter()`` instead of counting the
    select's rows (a count kept in the cache, or taken from a leaner statement)."""

    def _query_count(self) -> int:
        return self._query_args["counter"]()


def paginate_counted(select, counter, per_page: int | None = None) -> CountedPagination:
    return CountedPagination(
        select=select,
        counter=counter,
        session=current_app.extensions["sqlalchemy"].session,
        page=requested_page(),
        error_out=False,
        per_page=per_page or current_app.config["ITEMS_PER_PAGE"],
    )


class PageNumbers(Pagination):
    """The numbers of a page of a list whose rows are had elsewhere (kept rendered): its
    ``items`` are empty."""

    def _query_items(self) -> list:
        return []

    def _query_count(self) -> int:
        return self._query_args["total"]


def page_numbers(total: int, per_page: int | None = None) -> PageNumbers:
    """The request's page of a list of ``total`` rows (for the pagination links)."""
    return PageNumbers(
        total=total,
        page=requested_page(),
        error_out=False,
        per_page=per_page or current_app.config["ITEMS_PER_PAGE"],
    )


def paginate_rows(select, per_page: int | None = None) -> RowPagination:
    return RowPagination(
        select=select,
        session=current_app.extensions["sqlalchemy"].session,
        error_out=False,
        per_page=per_page or current_app.config["ITEMS_PER_PAGE"],
    )
