"""Pages of a list: the same rows as LIMIT/OFFSET give, with both numbers written into the
statement (not bound), so that a page is one statement PostgreSQL plans once per connection."""

from portal.core.pagination import page_numbers, paginate_counted, paginate_rows
from portal.extensions import db
from portal.institutions.models import Institution
from tests import factories


def _names(count: int) -> list[str]:
    for number in range(count):
        factories.institution(name=f"Prefeitura {number:02d}", uf="BA")
    db.session.flush()
    return sorted(f"Prefeitura {number:02d}" for number in range(count))


def test_every_kind_of_page_holds_the_right_rows_with_limit_and_offset_written_in(app):
    names = _names(7)
    ordered = db.select(Institution).order_by(Institution.name)
    with app.test_request_context("/?page=2"):
        pages = []
        sql = factories.statements(lambda: pages.append(db.paginate(ordered, per_page=3)))
        page = pages[0]
        assert [i.name for i in page.items] == names[3:6]
        assert page.total == 7 and page.pages == 3
        counted = paginate_counted(ordered, lambda: 7, per_page=3)
        assert [i.name for i in counted.items] == names[3:6]
        rows = paginate_rows(db.select(Institution.name).order_by(Institution.name), per_page=3)
        assert [row.name for row in rows.items] == names[3:6]
    paged = [statement for statement in sql if "LIMIT" in statement]  # the other: the count
    assert len(paged) == 1 and "LIMIT 3 OFFSET 3" in paged[0], sql


def test_page_numbers_of_a_list_kept_elsewhere_need_no_statement(app):
    with app.test_request_context("/?page=2"):
        numbers = []
        assert factories.statements(lambda: numbers.append(page_numbers(60, per_page=25))) == []
        page = numbers[0]
        assert (page.page, page.pages, page.total, page.items) == (2, 3, 60, [])
        assert (page.prev_num, page.next_num) == (1, 3)
        assert list(page.iter_pages()) == [1, 2, 3]
    with app.test_request_context("/?page=9"):
        assert not page_numbers(60, per_page=25).has_next  # beyond the end: an empty page
