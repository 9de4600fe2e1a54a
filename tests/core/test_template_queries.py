"""Templates never query: their data comes from the view. With FORBID_TEMPLATE_QUERIES (on in
tests, so every page the suite renders is checked) a statement issued while a template
renders — a lazy load, a function that queries — raises instead of running."""

import pytest
from flask import render_template_string

from portal import create_app
from portal.auth.models import User
from portal.core.templating import QueryInTemplate
from portal.extensions import db


def test_a_lazy_load_while_rendering_raises(app, users):
    user_id = users["partner_member"].id
    db.session.expunge_all()
    member = db.session.get(User, user_id)
    db.session.expire(member, ["institution"])
    with app.test_request_context(), pytest.raises(QueryInTemplate, match="while rendering"):
        render_template_string("{{ member.institution.name }}", member=member)


def test_a_function_that_queries_while_rendering_raises(app, users):
    def count_users():
        return db.session.scalar(db.select(db.func.count(User.id)))

    with app.test_request_context(), pytest.raises(QueryInTemplate, match="SELECT count"):
        render_template_string("{{ count_users() }}", count_users=count_users)


def test_the_same_data_passed_by_the_view_renders(app, users):
    count = db.session.scalar(db.select(db.func.count(User.id)))
    with app.test_request_context():
        assert render_template_string("{{ count }}", count=count) == str(count)
    assert db.session.scalar(db.select(db.func.count(User.id))) == count  # outside: allowed


def test_on_in_tests_and_debug_off_in_production(app, tmp_path):
    assert app.config["FORBID_TEMPLATE_QUERIES"] is True
    production = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                             "SECRET_KEY": "x", "PUBLIC_URL": "https://portal.exemplo.gov.br"})
    assert production.config["FORBID_TEMPLATE_QUERIES"] is False
    assert production.jinja_env.template_class.__name__ == "Template"
