"""Issue 8, the fast half of the XSS checks (the browser half is tests/browser/test_xss.py):
hostile text sent through the real forms comes back escaped, never as markup, on the pages
and htmx fragments that show it; search boxes and filters reflect it escaped; javascript:
links are refused."""

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db
from portal.forum.models import Topic
from portal.forum.services import ensure_default_categories
from tests import factories

PAYLOAD = (
    "XSS<script>alert('x')</script><img src=x onerror=alert(1)>"
    '" onmouseover=alert(2) x="<svg onload=alert(3)>{{7*191919}}'
)
TEMPLATE_RESULT = "1343433"  # {{7*191919}} evaluated
ESCAPED = ("&lt;script&gt;alert(", "&lt;svg onload=alert(3)&gt;")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc"}


class _Markup(HTMLParser):
    """Every tag and attribute the browser would build from the response."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            scheme = re.sub(r"[\s\x00-\x1f]+", "", value or "").lower()
            if name in URL_ATTRIBUTES and scheme.startswith(("javascript:", "vbscript:", "data:")):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append("<script> without a /static/ src")
        # The portal's own SVG (charts, the map, legend swatches) carries its chart classes; the
        # payload's <svg> does not.
        ours = tag == "svg" and (attributes.get("class") or "").split()[:1] in (
            ["chart"], ["chart-swatch"])
        if tag in {"svg", "math", "object", "embed", "base", "frame"} and not ours:
            self.problems.append(f"<{tag}>")
        if tag == "iframe" and not re.match(
            r"^/evidencias/\d+/visualizar$", attributes.get("src") or ""
        ):
            self.problems.append(f"<iframe src={attributes.get('src')!r}>")
        if tag == "img" and attributes.get("src") == "x":
            self.problems.append("<img src=x>")


def assert_inert(response, *, shown: bool = True) -> None:
    html = response.get_data(as_text=True)
    where = f"{response.request.method} {response.request.full_path.rstrip('?')}"
    parser = _Markup()
    parser.feed(html)
    parser.close()
    assert not parser.problems, f"{where}: injected markup {parser.problems}"
    assert TEMPLATE_RESULT not in html, f"{where}: a template expression was evaluated"
    if shown:
        assert any(text in html for text in ESCAPED), f"{where}: the hostile text is not shown"


@pytest.fixture
def world(app):
    """SEGES, MG (ACT 160/2025 imported) and ES, one user per role."""
    network = factories.seed_network()
    return {
        **network,
        "admin": factories.user("admin@seges.test", "seges_admin", network["seges"]),
        "reviewer": factories.user("revisor@seges.test", "seges_reviewer", network["seges"]),
        "manager": factories.user("gestor@mg.test", "partner_manager", network["mg"]),
        "member": factories.user("membro@mg.test", "partner_member", network["mg"]),
    }


def _deliverable(institution_id: int, code: str) -> Deliverable:
    return db.session.scalar(
        db.select(Deliverable)
        .join(Deliverable.goal)
        .where(Deliverable.goal.has(code=code), Deliverable.institution_id == institution_id)
        .order_by(Deliverable.due_on)
        .limit(1)
    )


def test_report_link_and_review_comment_come_back_escaped(client, login, world):
    deliverable = _deliverable(world["mg"].id, "1.2")
    login(world["member"])
    response = client.post(f"/entregas/{deliverable.id}/rascunho", data={"report": PAYLOAD})
    assert response.status_code in (200, 302), response.status_code
    response = client.post(
        f"/entregas/{deliverable.id}/links",
        data={"url": "https://example.org/?q=\"><script>alert('x')</script>", "title": PAYLOAD},
    )
    assert response.status_code in (200, 302), response.status_code
    for url in (f"/entregas/{deliverable.id}", f"/entregas/{deliverable.id}/enviar"):
        assert_inert(client.get(url))
        assert_inert(client.htmx(url))
    assert client.post(f"/entregas/{deliverable.id}/enviar").status_code == 302

    client.post("/logout")
    login(world["reviewer"])
    assert_inert(client.get(f"/analise/{deliverable.id}"))
    submission = db.session.scalar(
        db.select(Submission).where(Submission.deliverable_id == deliverable.id)
    )
    response = client.post(
        f"/analise/{deliverable.id}/decisao",
        data={
            "submission_id": submission.id,
            "decision": "returned",
            "reason_code": "insufficient_evidence",
            "comment": PAYLOAD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert_inert(client.get(f"/analise/{deliverable.id}"))
    assert_inert(client.get("/auditoria"), shown=False)

    client.post("/logout")
    login(world["member"])
    assert_inert(client.get(f"/entregas/{deliverable.id}"))
    assert_inert(client.get("/notificacoes"))


def test_javascript_links_are_refused(client, login, world):
    deliverable = _deliverable(world["mg"].id, "1.2")
    login(world["member"])
    for url in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "jav&#x09;ascript:alert(1)",
    ):
        response = client.htmx(f"/entregas/{deliverable.id}/links", "POST", data={"url": url})
        assert response.status_code == 422, (url, response.status_code)
        assert_inert(response, shown=False)
    assert_inert(client.get(f"/entregas/{deliverable.id}"), shown=False)


def test_forum_topic_and_reply_come_back_escaped(client, login, world):
    ensure_default_categories()
    login(world["member"])
    forum = client.get("/forum/")
    category = re.search(r'href="/forum/categorias/(\d+)"', forum.get_data(as_text=True))[1]
    response = client.post(
        f"/forum/categorias/{category}/novo-topico", data={"title": PAYLOAD[:150], "body": PAYLOAD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    topic = db.session.scalar(db.select(Topic))
    response = client.post(f"/forum/topicos/{topic.id}/responder", data={"body": PAYLOAD})
    assert response.status_code in (200, 302), response.status_code
    for url in (
        f"/forum/topicos/{topic.id}",
        f"/forum/categorias/{category}",
        "/forum/",
        "/forum/busca?q=XSS",
    ):
        assert_inert(client.get(url))
    preview = client.htmx("/forum/previa", "POST", data={"body": PAYLOAD})
    assert_inert(preview)
    # A form sent back with an error keeps the hostile title in value="…", escaped.
    response = client.post(
        f"/forum/categorias/{category}/novo-topico", data={"title": PAYLOAD[:150], "body": ""}
    )
    assert response.status_code == 422
    assert_inert(response)


def test_institution_and_user_names_come_back_escaped(client, login, world):
    login(world["admin"])
    response = client.post(
        f"/instituicoes/{world['mg'].id}/editar",
        data={
            "name": "Governo de Minas Gerais " + PAYLOAD,
            "acronym": "<svg onload=alert(3)>",
            "cnpj": world["mg"].cnpj,
            "sphere": "estadual",
            "uf": "MG",
            "elo": "Estados",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    response = client.post(
        f"/instituicoes/{world['mg'].id}/usuarios/convidar",
        data={"name": PAYLOAD, "email": "novo@mg.test", "role": "partner_member"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    for url in (
        "/instituicoes",
        f"/instituicoes/{world['mg'].id}",
        f"/instituicoes/{world['mg'].id}/editar",
        "/painel",
        "/painel?visao=matriz",
        "/usuarios",
        "/auditoria",
    ):
        assert_inert(client.get(url))
    assert_inert(client.get("/analise"), shown=False)  # nothing waiting: only the filters


@pytest.mark.parametrize(
    "path",
    [
        "/forum/busca?q={q}",
        "/instituicoes?q={q}",
        "/acordos?q={q}",
        "/analise?parceiro={q}",
        "/painel?q={q}",
        "/auditoria?usuario={q}&instituicao={q}&acao={q}&objeto={q}",
        "/capacitacoes?ano={q}&instituicao={q}",
        "/?grupo={q}",
    ],
)
def test_search_boxes_and_filters_reflect_escaped(client, login, world, path):
    login(world["admin"])
    url = path.format(q=quote(PAYLOAD, safe=""))
    assert_inert(client.get(url), shown=False)
    assert_inert(client.htmx(url), shown=False)


def test_the_scanner_catches_markup():
    parser = _Markup()
    parser.feed(
        '<p title="a &#34; onmouseover=x">fine</p><img src=x onerror=alert(1)>'
        '<a href=" jav\tascript:alert(1)">x</a><script>alert(1)</script><svg></svg>'
    )
    assert parser.problems == [
        "<img onerror=…>",
        "<img src=x>",
        "<a href=' jav\\tascript:alert(1)'>",
        "<script> without a /static/ src",
        "<svg>",
    ]
