"""Counts read as Portuguese: singular for one, plural otherwise, through Flask-Babel."""

from types import SimpleNamespace

import pytest
from flask_babel import ngettext

TEMPLATE = (
    "{% from '_macros/ui.html' import pagination %}"
    "{{ pagination(page, 'entrega', 'entregas') }}"
)


@pytest.mark.parametrize(("total", "text"), [
    (1, "1 entrega"), (2, "2 entregas"), (1234, "1.234 entregas"),
])
def test_a_list_counts_its_items_in_the_right_number(app, total, text):
    page = SimpleNamespace(total=total, pages=1, page=1)
    with app.test_request_context("/"):
        html = app.jinja_env.from_string(TEMPLATE).render(page=page)
    assert f">{text}</p>" in html


def test_zero_is_plural_and_none_is_listed(app):
    with app.test_request_context("/"):
        assert ngettext("%(num)d envio", "%(num)d envios", 0) == "0 envios"
        html = app.jinja_env.from_string(TEMPLATE).render(
            page=SimpleNamespace(total=0, pages=1, page=1))
    assert "entrega" not in html
