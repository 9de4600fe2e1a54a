"""Flask extensions, created unbound and bound in the app factory."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from portal.core.pagination import Page, requested_page

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PortalSQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, per_page=None, max_per_page=None,
                 error_out=True, count=True) -> Page:
        """``db.paginate`` with the page kept within what the database can offset, and its
        LIMIT and OFFSET written into the statement (``core.pagination.page_of``)."""
        return Page(select=select, session=self.session(), page=requested_page(page),
                    per_page=per_page, max_per_page=max_per_page, error_out=error_out,
                    count=count)


def _client_ip() -> str:
    return get_remote_address() or request.remote_addr or "unknown"


db = PortalSQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()  # pt_BR only: plurals (ngettext) and formats in templates and messages
limiter = Limiter(key_func=_client_ip)
