"""Accessibility (issue 8): axe-core on every page type, for every role, plus keyboard basics.

Every page is checked against the WCAG 2.0 A/AA and 2.1 A/AA rules of the vendored axe-core
with zero violations allowed: no rule or element is excluded.

Speed: the demo data (``portal demo``'s, built through the real services, plus a draft with
evidence, a submitted entrega, a returned-and-resubmitted one and a forum report) is loaded
once for this module into its own live server, and each role logs in once; every page is
still its own test. The axe contexts use Playwright's ``bypass_csp`` only so that axe's own
script can be injected; the keyboard tests run under the real CSP.
"""

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Agreement, FocalPoint, Institution
from portal.auth.models import User
from portal.courses.models import Course
from portal.deliverables import reviews, services
from portal.deliverables.models import Deliverable
from portal.dev import demo
from portal.events.models import Event, InfoRequest
from portal.extensions import db
from portal.forum.models import Category, Post, Topic
from portal.training.models import TrainingRecord
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, module_app, serving
from tests.browser.test_login_journey import log_in
from tests.deliverables.conftest import PDF

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

LOGINS = {
    "seges_admin": "admin@seges.exemplo.gov.br",
    "seges_reviewer": "revisor@seges.exemplo.gov.br",
    "partner_manager": "gestor@mg.exemplo.gov.br",
    "partner_member": "membro@mg.exemplo.gov.br",
}


# Data -----------------------------------------------------------------------------------


def _mg_deliverables(mg_id: int, count: int) -> list[Deliverable]:
    return list(
        db.session.scalars(
            db.select(Deliverable)
            .where(Deliverable.institution_id == mg_id, Deliverable.status == "pending")
            .order_by(Deliverable.due_on, Deliverable.id)
            .limit(count)
        )
    )


def _load() -> dict[str, int | str]:
    """The demo, plus one deliverable in each state a page shows differently."""
    demo.load_demo(factories.PASSWORD)
    users = {
        role: db.session.scalar(db.select(User).filter_by(email=e)) for role, e in LOGINS.items()
    }
    member, reviewer = users["partner_member"], users["seges_reviewer"]
    mg = member.institution
    draft, sent, resent, approved, waived = _mg_deliverables(mg.id, 5)

    # An editable draft with a file and a link.
    services.save_draft(
        draft, by=member, report="Relato **parcial**.", covers_from=None, covers_to=None
    )
    services.add_files(
        draft,
        [FileStorage(BytesIO(PDF), filename="oficio.pdf", content_type="application/pdf")],
        by=member,
    )
    services.add_link(draft, by=member, url="https://www.gov.br/gestao", title="Notícia")

    # Submitted, waiting in the queue.
    services.save_draft(
        sent, by=member, report="Indicamos a servidora Ana.", covers_from=None, covers_to=None
    )
    services.add_link(sent, by=member, url="https://sei.mg.gov.br/oficio-1", title="Ofício")
    services.submit(sent, by=member)

    # Returned, corrected and sent again: the analysis page shows what changed.
    services.save_draft(
        resent, by=member, report="Primeira versão.", covers_from=None, covers_to=None
    )
    first = services.submit(resent, by=member)
    reviews.decide(
        first,
        by=reviewer,
        decision="returned",
        reason_code="insufficient_evidence",
        comment="Anexe o ofício assinado.",
    )
    services.save_draft(
        resent,
        by=member,
        report="Segunda versão, com o ofício.",
        covers_from=date(2025, 10, 1),
        covers_to=date(2025, 12, 31),
    )
    services.add_link(resent, by=member, url="https://sei.mg.gov.br/oficio-2", title="Ofício")
    services.submit(resent, by=member)

    # Approved, and waived by SEGES.
    services.save_draft(
        approved, by=member, report="Relato aprovado.", covers_from=None, covers_to=None
    )
    reviews.decide(services.submit(approved, by=member), by=reviewer, decision="approved")
    reviews.waive(waived, by=users["seges_admin"], reason="Não se aplica a este parceiro.")

    # A forum report for the moderation page.
    from portal.forum import services as forum

    post = db.session.scalar(db.select(Post).order_by(Post.id.desc()).limit(1))
    forum.report_post(post, by=users["partner_manager"], reason="Conteúdo fora do tema.")
    question = db.session.scalar(
        db.select(Post).where(Post.author_id == member.id).order_by(Post.id).limit(1)
    )
    forum.edit_post(question, by=member, body=question.body + "\n\nAtualização: já enviamos.")

    # Links from e-mails: password reset for the member, activation for an invited user.
    from portal.auth import tokens

    invited = factories.user("convidado@mg.exemplo.gov.br", "partner_member", mg)
    invited.activated_at = None
    db.session.commit()
    links = {
        "reset_token": tokens.make_token(member, "reset"),
        "activate_token": tokens.make_token(invited, "activate"),
    }

    agreement = db.session.scalar(
        db.select(Agreement).where(Agreement.partner_id == mg.id, Agreement.parent_id.is_(None))
    )
    topic = db.session.scalar(db.select(Topic).order_by(Topic.id).limit(1))
    ids = {
        "mg": mg.id,
        "seges": users["seges_admin"].institution_id,
        "agreement": agreement.id,
        "goal": draft.goal_id,
        "draft": draft.id,
        "sent": sent.id,
        "resent": resent.id,
        "approved": approved.id,
        "waived": waived.id,
        "topic": topic.id,
        "post": post.id,
        "edited_post": question.id,
        "category": topic.category_id,
        "member_user": member.id,
        "focal_point": db.session.scalar(db.select(FocalPoint.id).limit(1)),
        "training": db.session.scalar(db.select(TrainingRecord.id).limit(1)),
        "event": db.session.scalar(db.select(Event.id).limit(1)),
        "course": db.session.scalar(db.select(Course.id).limit(1)),
        "info_request": db.session.scalar(db.select(InfoRequest.id).limit(1)),
        "other_category": db.session.scalar(db.select(Category.id).order_by(Category.id.desc())),
        "institution_count": db.session.scalar(db.select(db.func.count(Institution.id))),
    }
    db.session.commit()
    return ids | links


@dataclass
class Site:
    url: str
    ids: dict[str, int | str]
    sessions: dict[str, dict] = field(default_factory=dict)


@pytest.fixture(scope="module")
def site(database_uri, tmp_path_factory):
    """The app with the demo data, served once for the whole module."""
    with module_app(database_uri, tmp_path_factory.mktemp("a11y")) as app:
        with app.test_request_context("/"):  # notifications build URLs
            ids = _load()
        db.session.remove()
        with serving(app, "a11y-live-server") as url:
            yield Site(url, ids)


def _session(browser, site, role: str) -> dict:
    """Cookies of ``role``, logged in once per module through the real form."""
    if role not in site.sessions:
        context = browser.new_context(base_url=site.url, locale="pt-BR")
        context.set_default_timeout(TIMEOUT_MS)
        login = context.new_page()
        log_in(login, LOGINS[role], factories.PASSWORD)
        expect(login).to_have_url(f"{site.url}/")
        site.sessions[role] = context.storage_state()
        context.close()
    return site.sessions[role]


@pytest.fixture
def open_page(browser, site, page_log):
    """Factory: ``open_page(role, bypass_csp=...)`` gives a fresh page logged in as ``role``
    (``None``: anonymous)."""
    contexts = []

    def make(role: str | None, *, bypass_csp: bool = True) -> Page:
        context = browser.new_context(
            base_url=site.url,
            locale="pt-BR",
            bypass_csp=bypass_csp,
            storage_state=_session(browser, site, role) if role else None,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page_log.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def role_pages(browser, site):
    """One page per role for the axe tests (``bypass_csp``: only to inject axe), reused
    from test to test so that the ~140 pages stay fast."""
    pages: dict[str | None, Page] = {}

    def get(role: str | None) -> Page:
        if role not in pages:
            context = browser.new_context(
                base_url=site.url,
                locale="pt-BR",
                bypass_csp=True,
                storage_state=_session(browser, site, role) if role else None,
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(path=str(AXE))
            pages[role] = context.new_page()
        return pages[role]

    yield get
    for page in pages.values():
        page.context.close()


# axe ------------------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict]:
    """Run the vendored axe-core on the page; its WCAG 2.0/2.1 A and AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:8]:
            target = " ".join(
                " >> ".join(part) if isinstance(part, list) else part for part in node["target"]
            )
            lines.append(f"    {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def duplicate_ids(page: Page) -> list[str]:
    """Ids used more than once (axe 4.14 no longer reports them: WCAG 2.2 dropped 4.1.1,
    but a duplicated id still breaks labels, aria-describedby and skip links)."""
    return page.evaluate(
        """() => {
            const seen = {};
            for (const el of document.querySelectorAll('[id]')) {
                seen[el.id] = (seen[el.id] || 0) + 1;
            }
            return Object.keys(seen).filter(id => seen[id] > 1);
        }"""
    )


def assert_no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    duplicated = duplicate_ids(page)
    assert not duplicated, f"duplicate ids on {page.url}: {duplicated}"


# Pages ----------------------------------------------------------------------------------

PARTNER_PAGES = [
    ("home", "/", 200),
    ("home-atrasadas", "/?grupo=atrasadas", 200),
    ("home-proximas", "/?grupo=proximas", 200),
    ("home-depois", "/?grupo=depois", 200),
    ("home-concluidas", "/?grupo=concluidas", 200),
    ("home-acompanhamento", "/?grupo=acompanhamento", 200),
    ("home-devolvidas", "/?grupo=devolvidas", 200),
    ("home-em-analise", "/?grupo=em_analise", 200),
    ("deliverable-draft", "/entregas/{draft}", 200),
    ("deliverable-submitted", "/entregas/{sent}", 200),
    ("deliverable-resubmitted", "/entregas/{resent}", 200),
    ("deliverable-approved", "/entregas/{approved}", 200),
    ("deliverable-waived", "/entregas/{waived}", 200),
    ("submit-confirmation", "/entregas/{draft}/enviar", 200),
    ("agreement", "/acordos/{agreement}", 200),
    ("institution", "/instituicoes/{mg}", 200),
    ("focal-points", "/servidores", 200),
    ("institution-focal-points", "/instituicoes/{mg}/servidores", 200),
    ("trainings", "/capacitacoes", 200),
    ("forum", "/forum/", 200),
    ("forum-category", "/forum/categorias/{category}", 200),
    ("forum-topic", "/forum/topicos/{topic}", 200),
    ("forum-new-topic", "/forum/categorias/{category}/novo-topico", 200),
    ("forum-reply", "/forum/topicos/{topic}/responder", 200),
    ("forum-report-post", "/forum/mensagens/{post}/denunciar", 200),
    ("forum-search", "/forum/busca?q=painel", 200),
    ("forum-post-history", "/forum/mensagens/{edited_post}/historico", 200),
    ("notifications", "/notificacoes", 200),
    ("events", "/eventos", 200),
    ("event", "/eventos/{event}", 200),
    ("courses", "/cursos", 200),
    ("course-catalog", "/cursos/catalogo", 200),
    ("account", "/conta", 200),
    ("change-password", "/conta/senha", 200),
    ("not-found", "/nao-existe", 404),
]

MEMBER_ONLY_PAGES = [
    ("forbidden", "/usuarios", 403),
]

MANAGER_ONLY_PAGES = [
    ("users", "/usuarios", 200),
    ("invite-user", "/instituicoes/{mg}/usuarios/convidar", 200),
    ("edit-user", "/usuarios/{member_user}/editar", 200),
    ("new-focal-point", "/instituicoes/{mg}/servidores/novo", 200),
    ("edit-focal-point", "/servidores/{focal_point}/editar", 200),
    ("new-training", "/capacitacoes/nova", 200),
    ("edit-training", "/capacitacoes/{training}/editar", 200),
    ("audit-trail", "/auditoria", 200),
]

SEGES_PAGES = [
    ("home", "/", 200),
    ("queue", "/analise", 200),
    ("analysis", "/analise/{sent}", 200),
    ("analysis-resubmission", "/analise/{resent}", 200),
    ("analysis-approved", "/analise/{approved}", 200),
    ("analysis-waived", "/analise/{waived}", 200),
    ("deliverable", "/entregas/{sent}", 200),
    ("panel", "/painel", 200),
    ("panel-matrix", "/painel?visao=matriz", 200),
    ("agreements", "/acordos", 200),
    ("agreement", "/acordos/{agreement}", 200),
    ("institutions", "/instituicoes", 200),
    ("institution", "/instituicoes/{mg}", 200),
    ("institution-focal-points", "/instituicoes/{mg}/servidores", 200),
    ("painel-requests", "/servidores/painel", 200),
    ("trainings", "/capacitacoes", 200),
    ("forum", "/forum/", 200),
    ("forum-topic", "/forum/topicos/{topic}", 200),
    ("forum-reports", "/forum/denuncias", 200),
    ("notifications", "/notificacoes", 200),
    ("events", "/eventos", 200),
    ("event", "/eventos/{event}", 200),
    ("courses", "/cursos", 200),
    ("info-requests", "/solicitacoes", 200),
    ("info-request", "/solicitacoes/{info_request}", 200),
    ("account", "/conta", 200),
    ("deadline-settings", "/configuracoes/prazos", 200),
    ("home-follow-ups", "/?grupo=acompanhamento", 200),
]

ADMIN_ONLY_PAGES = [
    ("users", "/usuarios", 200),
    ("import-agreement", "/acordos/importar", 200),
    ("edit-agreement", "/acordos/{agreement}/editar", 200),
    ("new-adhesion", "/acordos/{agreement}/adesoes/nova", 200),
    ("edit-goal", "/acordos/{agreement}/metas/{goal}/editar", 200),
    ("new-institution", "/instituicoes/nova", 200),
    ("edit-institution", "/instituicoes/{mg}/editar", 200),
    ("edit-user", "/usuarios/{member_user}/editar", 200),
    ("forum-categories", "/forum/categorias", 200),
    ("forum-new-category", "/forum/categorias/nova", 200),
    ("forum-edit-category", "/forum/categorias/{category}/editar", 200),
    ("forum-move-topic", "/forum/topicos/{topic}/mover", 200),
    ("new-event", "/eventos/novo", 200),
    ("new-info-request", "/solicitacoes/nova", 200),
    ("new-course", "/cursos/novo", 200),
    ("edit-course", "/cursos/{course}/editar", 200),
    ("new-course-class", "/cursos/{course}/turmas/nova", 200),
    ("forum-post-history", "/forum/mensagens/{edited_post}/historico", 200),
    ("audit-trail", "/auditoria", 200),
]

ANONYMOUS_PAGES = [
    ("login", "/login", 200),
    ("forgot-password", "/senha/esqueci", 200),
    ("reset-password", "/senha/redefinir/{reset_token}", 200),
    ("activate-account", "/ativar/{activate_token}", 200),
    ("not-found", "/nao-existe", 404),
]

PAGES = (
    [(None, *p) for p in ANONYMOUS_PAGES]
    + [("partner_member", *p) for p in PARTNER_PAGES + MEMBER_ONLY_PAGES]
    + [("partner_manager", *p) for p in PARTNER_PAGES + MANAGER_ONLY_PAGES]
    + [("seges_reviewer", *p) for p in SEGES_PAGES]
    + [("seges_admin", *p) for p in SEGES_PAGES + ADMIN_ONLY_PAGES]
)


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        pytest.param(role, path, status, id=f"{role or 'anonymous'}-{name}")
        for role, name, path, status in PAGES
    ],
)
def test_page_has_no_wcag_violations(role_pages, site, page_log, role, path, status):
    page = role_pages(role)
    handlers = {
        "console": page_log._on_console,
        "pageerror": lambda error: page_log.page_errors.append(str(error)),
        "requestfailed": page_log._on_request_failed,
        "response": page_log._on_response,
    }
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        response = page.goto(path.format(**site.ids))
        assert response.status == status, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("load")
        assert_no_violations(page)
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)
    page_log.assert_clean(allowed_document_statuses=(403, 404))


ERROR_STATES = [
    # role, name, page, fields to fill (selector, value) before sending the form empty-ish
    (None, "login", "/login", []),
    (None, "forgot-password", "/senha/esqueci", []),
    (
        "partner_member",
        "draft-invalid-period",
        "/entregas/{draft}",
        [("#covers_from", "2026-03-10"), ("#covers_to", "2026-01-01")],
    ),
    ("partner_member", "change-password", "/conta/senha", []),
    ("partner_member", "forum-new-topic", "/forum/categorias/{category}/novo-topico", []),
    ("partner_manager", "new-focal-point", "/instituicoes/{mg}/servidores/novo", []),
    ("partner_manager", "new-training", "/capacitacoes/nova", []),
    ("seges_admin", "new-institution", "/instituicoes/nova", []),
    ("seges_admin", "new-event", "/eventos/novo", []),
    ("seges_admin", "new-course", "/cursos/novo", []),
]


@pytest.mark.parametrize(
    ("role", "path", "fills"),
    [
        pytest.param(role, path, fills, id=f"{role or 'anonymous'}-{name}")
        for role, name, path, fills in ERROR_STATES
    ],
)
def test_form_with_errors_has_no_wcag_violations(role_pages, site, role, path, fills):
    """The 422 re-rendering (errors next to the fields) is a page state of its own."""
    page = role_pages(role)
    page.goto(path.format(**site.ids))
    for selector, value in fills:
        page.locator(selector).fill(value)
    form = page.locator("#conteudo form.portal-form").first
    form.locator("button[type=submit]:not([formaction])").first.click()
    expect(page.locator("#conteudo [aria-invalid='true']").first).to_be_attached()
    page.wait_for_load_state("load")
    assert_no_violations(page)


def test_the_axe_helper_reports_violations_readably(open_page):
    """The harness itself: a field without a label must be caught and described."""
    page = open_page(None)
    page.goto("/login")
    page.evaluate(
        "() => { const i = document.createElement('input'); i.id = 'sem-rotulo';"
        " document.getElementById('conteudo').appendChild(i); }"
    )
    message = format_violations(page.url, axe_violations(page))
    assert "- label (critical)" in message, message
    assert "#sem-rotulo" in message, message


# Keyboard -------------------------------------------------------------------------------


def _focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName, id: el.id, text: (el.textContent || '').trim(),
                inMain: !!el.closest('#conteudo'),
                outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth,
                boxShadow: style.boxShadow,
                describedby: el.getAttribute('aria-describedby'),
                invalid: el.getAttribute('aria-invalid'),
            };
        }"""
    )


def _focus_is_visible(focused: dict) -> bool:
    outlined = focused["outlineStyle"] != "none" and focused["outlineWidth"] not in ("0px", "")
    return outlined or focused["boxShadow"] not in ("none", "")


def test_skip_link_comes_first_and_moves_focus_to_the_content(open_page, page_log):
    page = open_page("partner_member", bypass_csp=False)
    page.goto("/")
    page.wait_for_load_state("load")
    page.locator("body").focus()

    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["text"].startswith("Ir para o conteúdo"), focused
    assert _focus_is_visible(focused), f"the skip link has no visible focus: {focused}"

    page.keyboard.press("Enter")
    expect(page.locator("#conteudo")).to_be_focused()
    page.keyboard.press("Tab")
    assert _focused(page)["inMain"], "Tab after the skip link should stay in the content"
    page_log.assert_clean()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        pytest.param("partner_member", "/", id="member-home"),
        pytest.param("partner_member", "/entregas/{draft}", id="member-deliverable-draft"),
        pytest.param("partner_member", "/forum/topicos/{topic}", id="member-forum-topic"),
        pytest.param("seges_reviewer", "/analise/{resent}", id="reviewer-analysis"),
        pytest.param(None, "/login", id="anonymous-login"),
    ],
)
def test_every_tab_stop_shows_focus(open_page, site, page_log, role, path):
    page = open_page(role, bypass_csp=False)
    page.goto(path.format(**site.ids))
    page.wait_for_load_state("load")
    page.locator("body").focus()
    invisible, seen = [], 0
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["tag"] == "BODY":
            break
        seen += 1
        if not _focus_is_visible(focused):
            invisible.append(f"{focused['tag']}#{focused['id']} {focused['text'][:40]!r}")
    assert seen > 3
    assert not invisible, "no visible focus on:\n" + "\n".join(invisible)
    page_log.assert_clean()


def test_login_error_focuses_the_first_field_and_describes_it(open_page, page_log):
    page = open_page(None, bypass_csp=False)
    page.goto("/login")
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_be_focused()
    focused = _focused(page)
    assert focused["describedby"], focused
    for message_id in focused["describedby"].split():
        expect(page.locator(f"#{message_id}")).to_be_visible()
    expect(page.locator(f"#{focused['describedby'].split()[-1]}")).not_to_be_empty()
    page.wait_for_load_state("load")
    page_log.assert_clean(allowed_document_statuses=(422,))


def test_draft_with_an_invalid_period_focuses_the_field_and_describes_it(open_page, site, page_log):
    page = open_page("partner_member", bypass_csp=False)
    page.goto(f"/entregas/{site.ids['draft']}")
    page.locator("#covers_from").fill("2026-03-10")
    page.locator("#covers_to").fill("2026-01-01")
    page.get_by_role("button", name="Salvar rascunho").click()
    field = page.locator("#covers_to")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    describedby = field.get_attribute("aria-describedby")
    assert describedby
    message = page.locator(f"#{describedby.split()[-1]}")
    expect(message).to_contain_text("O início do período deve ser anterior ao fim.")
    assert _focused(page)["invalid"] == "true"
    # the htmx post is answered 422 with the form and its errors, as designed
    page_log.http_errors[:] = [e for e in page_log.http_errors if e[0] != 422]
    page_log.assert_clean()
