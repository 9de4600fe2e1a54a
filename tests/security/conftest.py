"""The security checks' world: one object of every kind, and the app's forms, discovered.

- ``objects``: real ids for every placeholder of the route matrix (tests/factories.py builds
  them), plus what the matrix's objects cannot show: a submitted and a waived deliverable, a
  hidden post, an invitation pending activation and a valid password-reset link;
- ``forms``: every page GET as SEGES admin and as a partner manager (plus a few pages only
  other roles or states show), with the forms rendered parsed (action, method, field names,
  input types, prefilled values, options), by the endpoint they post to;
- ``signed_in``: keeps a test client signed in as a role, whatever fuzzed requests did;
- ``generous_limits``: rate limits out of the way.
"""

import html.parser
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import current_app, url_for

from portal.auth import services as accounts
from portal.auth import tokens
from portal.auth.models import User
from portal.deliverables import reviews
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.forum import services as forum
from portal.forum.models import Post
from tests import factories

CRAWLERS = ["seges_admin", "partner_manager"]
# Pages not worth crawling for forms: files, exports and calendars.
NOT_PAGES = {
    "static",
    "core.healthz",
    "core.favicon",
    "deliverables.download",
    "deliverables.preview",
    "panel.panel_csv",
    "panel.panel_xlsx",
    "training.training_file",
    "events.event_ics",
    "courses.courses_ics",
    "calendar_feed.feed",
    "reports.annual_pdf",
    "reports.annual_xlsx",
    "reports.contribution_pdf",
    "reports.contribution_xlsx",
    "audit.events_csv",
    "privacy.personal_data",
    "agreements.signed_document",
    "forum.attachment",
    "forum.attachment_image",
}
# What a person types into an empty input of each type.
FILLERS = {
    "date": "2026-03-10",
    "datetime-local": "2026-03-10T10:00",
    "month": "2026-03",
    "email": "pessoa.nova@mg.test",
    "number": "1",
    "url": "https://www.gov.br/",
    "tel": "(31) 3915-0000",
}


def world(users) -> dict:
    """Real ids for every placeholder the matrix uses (one object of each kind), plus what the
    matrix's objects cannot show: a submitted and a waived deliverable, a hidden post, an
    invitation pending activation and a valid password-reset link (for a spare account)."""
    placeholders = {
        value for _m, arguments, _s in factories.MATRIX.values() for value in arguments.values()
    }
    objects = factories.resolve({name: name for name in placeholders}, users)
    member, admin = users["partner_member"], users["seges_admin"]
    taken = {objects["deliverable"], objects["hours_deliverable"]}
    submitted, waived = db.session.scalars(
        db.select(Deliverable)
        .where(Deliverable.institution_id == member.institution_id, Deliverable.id.not_in(taken))
        .order_by(Deliverable.due_on, Deliverable.id)
        .limit(2)
    ).all()
    factories.submitted(submitted, member, "Relato enviado.")
    reviews.waive(waived, by=admin, reason="Meta cumprida de outra forma.")
    topic = db.session.get(Post, objects["forum_question"]).topic
    hidden = forum.reply(topic, by=users["partner_manager"], body="Mensagem a ocultar.")
    forum.hide_post(hidden, by=users["seges_reviewer"])
    pending = accounts.invite_user(
        by=admin, email="convidado@mg.test", name="Pessoa Convidada", role="partner_member",
        institution=member.institution)
    spare = factories.user("reserva@mg.test", "partner_member", member.institution)
    db.session.commit()
    return {
        **objects,
        "submitted": submitted.id,
        "waived": waived.id,
        "hidden_post": hidden.id,
        "pending_user": pending.id,
        "spare_user": spare.id,
        "activation_token": tokens.make_token(pending, "activate"),
        "reset_token": tokens.make_token(spare, "reset"),
    }


def extra_pages(objects: dict) -> list[tuple[str | None, str]]:
    """(role or None for anonymous, URL) of pages the matrix's objects do not reach."""
    return [
        ("seges_reviewer", url_for("deliverables.analysis", deliverable_id=objects["submitted"])),
        ("seges_admin", url_for("deliverables.analysis", deliverable_id=objects["waived"])),
        ("partner_member", url_for("deliverables.deliverable",
                                   deliverable_id=objects["hours_deliverable"])),
        ("partner_member", url_for("forum.edit_post", post_id=objects["forum_question"])),
        (None, url_for("auth.login")),
        (None, url_for("auth.forgot_password")),
        (None, url_for("auth.reset_password", token=objects["reset_token"])),
        (None, url_for("auth.activate", token=objects["activation_token"])),
    ]


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class Form:
    action: str  # path, no query string
    query: str
    method: str
    role: str
    fields: dict[str, Field] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [n for n in self.fields if n != "csrf_token"]

    def defaults(self) -> dict:
        """What a browser would send untouched: prefilled values, first options, checked boxes."""
        data: dict[str, list[str]] = {}
        for f in self.fields.values():
            if f.name == "csrf_token" or f.kind in {"submit", "button", "file", "reset", "image"}:
                continue
            if f.kind in {"checkbox", "radio"}:
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "y")
                continue
            if f.kind == "select":
                value = f.value or next((o for o in f.options if o), "")
                data.setdefault(f.name, []).append(value)
                continue
            data.setdefault(f.name, []).append(f.value)
        return {k: v[0] if len(v) == 1 else v for k, v in data.items()}

    def plausible(self) -> dict:
        """The defaults with empty fields filled the way a person would (by input type)."""
        data = self.defaults()
        for f in self.fields.values():
            value = data.get(f.name, "")
            if f.name == "csrf_token" or not isinstance(value, str) or value.strip():
                continue
            if f.kind in {"select", "radio"}:
                data[f.name] = next((o for o in f.options if o), "")
            elif f.kind in FILLERS:
                data[f.name] = FILLERS[f.kind]
            elif f.kind in {"text", "textarea", "search"}:
                data[f.name] = factories.valid_cnpj() if "cnpj" in f.name else "Texto de teste"
        return data


class _FormParser(html.parser.HTMLParser):
    def __init__(self, page: str, role: str):
        super().__init__(convert_charrefs=True)
        self.page, self.role = page, role
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            post = a.get("method", "get").lower() == "post" or "hx-post" in a
            target = a.get("hx-post") or a.get("hx-get") or a.get("action") or self.page
            parts = urlsplit(target)
            self._form = Form(parts.path, parts.query, "POST" if post else "GET", self.role)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self._form.fields.setdefault(name, Field(name, kind, a.get("value", ""),
                                                     checked="checked" in a))
            f = self._form.fields[name]
            if kind in {"checkbox", "radio"}:
                f.options.append(a.get("value", "y"))
                if "checked" in a:
                    f.checked, f.value = True, a.get("value", "y")
        elif tag == "select" and name:
            self._select = self._form.fields.setdefault(name, Field(name, "select"))
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a:
                self._select.value = value
        if a.get("formaction"):
            parts = urlsplit(a["formaction"])
            alias = Form(parts.path, parts.query, "POST", self.role, self._form.fields)
            self.forms.append(alias)
        if tag == "textarea" and name:
            self._textarea = self._form.fields.setdefault(name, Field(name, "textarea"))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_forms(page_html: str, page: str, role: str) -> list[Form]:
    parser = _FormParser(page, role)
    parser.feed(page_html)
    return parser.forms


def endpoint_of(path: str, method: str = "POST") -> str | None:
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except Exception:
        return None
    return endpoint


def crawl(client, login, users, objects: dict, roles=CRAWLERS) -> dict[str, list[Form]]:
    """endpoint → the forms posting to it, as rendered to each role that can see them: every
    page as ``roles`` (between them they see every form), plus ``extra_pages``."""
    found: dict[str, list[Form]] = {}

    def visit(page: str, role: str) -> None:
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            return
        for form in parse_forms(response.get_data(as_text=True), page, role):
            target = endpoint_of(form.action, form.method)
            if target and target not in factories.SESSION_ENDING:
                known = found.setdefault(target, [])
                if all(f.role != role or f.action != form.action or f.method != form.method
                       for f in known):
                    known.append(form)

    pages = [e for e, row in factories.MATRIX.items() if row[0] == "GET" and e not in NOT_PAGES]
    extras = extra_pages(objects)
    for role in [*roles, *sorted({r for r, _ in extras if r and r not in roles})]:
        login(users[role])
        for endpoint in pages if role in roles else []:
            visit(factories.matrix_url(endpoint, objects), role)
        for extra_role, page in extras:
            if extra_role == role:
                visit(page, role)
        client.post("/logout")
    for extra_role, page in extras:
        if extra_role is None:
            visit(page, "anonymous")
    return found


class Session:
    """Keeps the client signed in as the role a request needs. Fuzzed requests may deactivate
    an account, change its role or end its sessions: the account is restored and signed in
    again, so later requests still reach what that role may do."""

    def __init__(self, client, users):
        self.client, self.users = client, users
        self.roles = {name: user.role for name, user in users.items()}

    def be(self, role: str) -> None:
        with self.client.session_transaction() as sess:
            logged = sess.get("_user_id")
        if role == "anonymous":
            if logged:
                self.client.post("/logout")
            return
        user = db.session.get(User, self.users[role].id)
        db.session.refresh(user)
        if logged == f"{user.id}:{user.session_version}" and user.active:
            return
        if not user.active or user.role != self.roles[role]:
            user.active, user.role = True, self.roles[role]
            db.session.commit()
        if logged:
            self.client.post("/logout")
        response = self.client.post(
            "/login", data={"email": user.email, "password": factories.PASSWORD}
        )
        assert response.status_code == 302, f"could not sign in again as {role}"


@pytest.fixture
def objects(users):
    return world(users)


@pytest.fixture
def forms(client, login, users, objects):
    """endpoint → forms found by GETting every page as each role (and the anonymous pages)."""
    return crawl(client, login, users, objects)


@pytest.fixture
def signed_in(client, users):
    """A :class:`Session` keeping ``client`` signed in as the role each request needs."""
    return Session(client, users)


@pytest.fixture
def generous_limits(app):
    """Rate limits out of the way, for checks that send many requests on purpose."""
    for key, value in list(app.config.items()):
        if key.startswith("RATELIMIT_") and isinstance(value, str) and " per " in value:
            app.config[key] = "100000 per minute"
