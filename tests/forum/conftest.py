"""The search index is not a model, so the shared table cleanup does not empty it."""

import pytest

from portal.extensions import db
from portal.forum import search


@pytest.fixture(autouse=True)
def empty_search_index(app):
    search.clear()
    db.session.commit()
    yield
    db.session.rollback()
    search.clear()
    db.session.commit()
