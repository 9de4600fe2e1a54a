"""The app's attack surface, discovered rather than listed by hand.

- ``world(users)`` builds one object of every kind the URL map needs (through the route
  matrix's own resolver), so every route can be called with real ids;
- ``url(endpoint, world)`` builds a route's URL from the matrix's argument placeholders;
- ``crawl(client, login, users, world)`` GETs every page as SEGES admin and as a partner
  manager (plus a few pages only other roles or states show) and parses the forms rendered
  (action, method, field names, input types, prefilled values, options);
- ``Session`` keeps a test client signed in as a role, whatever the fuzzed requests did;
- ``snapshot()`` reads every table, to compare before and after a request.
"""

from __future__ import annotations

import html.parser
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, url_for

from portal.extensions import db
from tests.test_route_matrix import MATRIX, _resolve

CRAWLERS = ["seges_admin", "partner_manager"]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Pages not worth crawling for forms: files, exports and calendars.
NOT_PAGES = {
    "static",
    "core.healthz",
    "deliverables.download",
    "deliverables.preview",
    "panel.panel_csv",
    "panel.panel_xlsx",
    "training.training_file",
    "events.event_ics",
    "courses.courses_ics",
    "audit.events_csv",
    "audit.personal_data",
    "agreements.signed_document",
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
# Routes that end the caller's own session: left out (no fields; the route matrix checks
# its CSRF protection and tests/security/test_sessions.py what it does).
SESSION_ENDING = {"auth.logout"}


def world(users) -> dict:
    """Real ids for every placeholder the matrix uses (one object of each kind), plus what the
    matrix's objects cannot show: a submitted and a waived deliverable, a hidden post, an
    invitation pending activation and a valid password-reset link (for a spare account)."""
    from portal.auth import services as accounts
    from portal.auth import tokens
    from portal.deliverables import reviews
    from portal.deliverables import services as work
    from portal.deliverables.models import Deliverable
    from portal.forum import services as forum
    from portal.forum.models import Post
    from tests import factories

    placeholders = {value for _m, arguments, _s in MATRIX.values() for value in arguments.values()}
    objects = _resolve({name: name for name in placeholders}, users)
    member, admin = users["partner_member"], users["seges_admin"]
    taken = {objects["deliverable"], objects["hours_deliverable"]}
    submitted, waived = db.session.scalars(
        db.select(Deliverable)
        .where(Deliverable.institution_id == member.institution_id, Deliverable.id.not_in(taken))
        .order_by(Deliverable.due_on, Deliverable.id)
        .limit(2)
    ).all()
    work.save_draft(submitted, by=member, report="Relato enviado.", covers_from=None,
                    covers_to=None)
    work.submit(submitted, by=member)
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


def url(endpoint: str, objects: dict, **query) -> str:
    arguments = MATRIX[endpoint][1]
    return url_for(endpoint, **{k: objects.get(v, v) for k, v in arguments.items()}, **query)


def routes(methods: set[str]) -> list[str]:
    """Endpoints of the URL map accepting any of ``methods``, sorted."""
    return sorted(
        {rule.endpoint for rule in current_app.url_map.iter_rules() if rule.methods & methods}
    )


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
        from tests import factories

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
            if target and target not in SESSION_ENDING:
                known = found.setdefault(target, [])
                if all(f.role != role or f.action != form.action or f.method != form.method
                       for f in known):
                    known.append(form)

    pages = [e for e, row in MATRIX.items() if row[0] == "GET" and e not in NOT_PAGES]
    extras = extra_pages(objects)
    for role in [*roles, *sorted({r for r, _ in extras if r and r not in roles})]:
        login(users[role])
        for endpoint in pages if role in roles else []:
            visit(url(endpoint, objects), role)
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
        from portal.auth.models import User
        from tests import factories

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


def snapshot() -> dict[str, dict[tuple, dict]]:
    """Every row of every table, keyed by table and primary key."""
    state = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            rows = connection.execute(table.select()).mappings().all()
            state[table.name] = {tuple(r[k] for k in keys): dict(r) for r in rows}
    return state


def changed_rows(before: dict, after: dict):
    """(table, key, old row or None, new row) for every row a request added or changed."""
    for table, rows in after.items():
        for key, row in rows.items():
            old = before.get(table, {}).get(key)
            if old != row:
                yield table, key, old, row
