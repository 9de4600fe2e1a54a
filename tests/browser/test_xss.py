"""Issue 8: an XSS corpus in every free-text field, shown inert on every page, in Chromium.

One dataset for the module: the demo (as in test_accessibility.py) plus hostile text written
through the real services (institutions, users, agreements, goals, reports, evidence, reviews,
waivers, forum, events, requests, courses, focal points, training, notifications; audit events
follow), then every page that shows it is visited as SEGES admin, partner manager and member.
On each page, and after each htmx swap:

- no JavaScript dialog opened (the payloads call ``alert``);
- no ``securitypolicyviolation`` event and no console error: CSP forbids inline script, so a
  violation means markup got through escaping or the sanitiser even though CSP stopped it;
- no request to a ``/pwn…`` path (what an injected img, iframe, link, form or hx-get asks for);
- the DOM holds no injected element or attribute (event handlers, ``javascript:`` URLs, inline
  scripts, frames, objects, SVG/MathML, hx-* pointing at /pwn, attributes named ``pwn``);
- template syntax came out as text (``{{7*191919}}`` never becomes 1343433, no config dump);
- the payload is really on the pages that should show it (the test tests something).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from io import BytesIO
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, expect
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Agreement, AgreementParty, Goal
from portal.auth import services as accounts
from portal.auth.models import User
from portal.courses import services as courses
from portal.deliverables import reviews, services
from portal.deliverables.models import Deliverable
from portal.events import services as events
from portal.extensions import db
from portal.focal_points import services as focal_points
from portal.forum import services as forum
from portal.institutions import services as institutions
from portal.notifications.services import notify
from portal.training import services as training
from tests import clock, factories
from tests.factories import PDF

pytestmark = pytest.mark.browser

# The corpus -------------------------------------------------------------------------------
# Every payload says XSS (so the page can be checked to show it) and calls alert (a dialog);
# what it would load points at /pwn… (a request the test watches for).

CORPUS = [
    # script and event handlers, raw and mixed case
    "<script>alert('XSS-script')</script>",
    "<ScRiPt>alert('XSS-case')</sCrIpT>",
    "<img src=/pwn-img onerror=alert('XSS-img')>",
    "<IMG SRC=/pwn-IMG OnErRoR=alert('XSS-IMG')>",
    "<svg onload=alert('XSS-svg')><circle r=1 /></svg>",
    "<svg><script>alert('XSS-svg-script')</script></svg>",
    "<body onload=alert('XSS-body')>",
    "<details open ontoggle=alert('XSS-details')>XSS details</details>",
    "<x onclick=alert('XSS-x') style=position:fixed;inset:0>XSS x</x>",
    # frames, objects, forms, base, meta
    "<iframe srcdoc=\"<script>alert('XSS-srcdoc')</script>\"></iframe>",
    "<iframe src=\"javascript:alert('XSS-iframe')\"></iframe>",
    "<iframe src=/pwn-iframe></iframe>",
    "<object data=\"javascript:alert('XSS-object')\"></object><embed src=/pwn-embed>",
    "<form action=/pwn-form><button formaction=\"javascript:alert('XSS-form')\">XSS</button>"
    "</form>",
    "<base href=/pwn-base/>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert('XSS-meta')\">",
    "<link rel=stylesheet href=/pwn-link><style>@import '/pwn-css';</style>",
    # javascript: links in raw HTML: plain, mixed case, entities, percent-encoding, whitespace
    "<a href=\"javascript:alert('XSS-a')\">XSS a</a>",
    "<a href=\"JaVaScRiPt:alert('XSS-a-case')\">XSS a case</a>",
    "<a href=\"jav&#x09;ascript:alert('XSS-a-tab')\">XSS a tab</a>",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;'
    "alert('XSS-a-dec')\">XSS a dec</a>",
    "<a href=\"javascript%3Aalert('XSS-a-pct')\">XSS a pct</a>",
    "<a href=\" \x01javascript:alert('XSS-a-ctl')\">XSS a ctl</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">XSS data</a>',
    # Markdown links and images
    "[XSS md](javascript:alert('XSS-md'))",
    "[XSS md case](JAVASCRIPT:alert('XSS-md-case'))",
    "[XSS md entity](&#x6A;avascript:alert('XSS-md-ent'))",
    "[XSS md pct](javascript%3Aalert('XSS-md-pct'))",
    "[XSS md data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[XSS md title](https://example.org "x\\" onmouseover=\\"alert(\'XSS-md-title\')")',
    '![XSS md img](/pwn-md-img "x\\" onerror=\\"alert(\'XSS-md-img\')")',
    "![XSS md img js](javascript:alert('XSS-md-img-js'))",
    "[XSS md ref][r]\n\n[r]: javascript:alert('XSS-md-ref')",
    "<javascript:alert('XSS-autolink')>",
    "[XSS md nested ![x](/pwn-nested)](https://example.org)",
    # attribute breakouts (matter in value="…", title="…" and textarea)
    '" onmouseover="alert(\'XSS-dq\')" data-pwn="',
    "' onfocus='alert(\"XSS-sq\")' autofocus data-pwn='",
    "\"><img src=/pwn-break onerror=alert('XSS-break')>",
    "</textarea><script>alert('XSS-textarea')</script>",
    "</title><script>alert('XSS-title')</script>",
    # broken and unclosed markup, mutation XSS
    "<<script>alert('XSS-broken')//<</script>",
    "<img src=/pwn-unclosed onerror=alert('XSS-unclosed') ",
    "<noscript><p title=\"</noscript><img src=/pwn-noscript onerror=alert('XSS-noscript')>\">",
    "<math><mtext><table><mglyph><style><img src=/pwn-mxss onerror=alert('XSS-mxss')>",
    "<!--><img src=/pwn-comment onerror=alert('XSS-comment')>-->",
    # htmx attributes: would fetch /pwn-hx or run code if they survived
    "<div hx-get=/pwn-hx hx-trigger=load>XSS hx</div>",
    "<a hx-on:click=\"alert('XSS-hx-on')\" href=#>XSS hx-on</a>",
    "<div data-hx-get=/pwn-data-hx data-hx-trigger=load>XSS data-hx</div>",
    # already-encoded text must stay text (no double decoding into markup)
    "&lt;script&gt;alert('XSS-entities')&lt;/script&gt;",
    "%3Cscript%3Ealert('XSS-percent')%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert('XSS-unicode')\\u003c/script\\u003e",
    # template injection
    "XSS {{7*191919}} {{config}} {% print(7*191919) %} ${7*191919} #{7*191919} <%= 7*191919 %>",
]
MARKDOWN = "\n\n".join(CORPUS)  # multi-line Markdown fields: the whole corpus
LINE = " ".join(CORPUS)  # one-line text fields without a tight limit
SHORT = "XSS\"><img src=/pwn-s onerror=alert(1)>{{7*191919}}<script>alert(2)</script>'"  # ≤ 200
TINY = '<svg/onload=alert(1)>XSS"'  # ≤ 40 (acronyms)
TEMPLATE_RESULT = "1343433"  # 7 * 191919

HOSTILE_URL = "https://example.org/x?a=\"><script>alert('XSS-url')</script>&b='onmouseover=alert(1)"


def _clip(text: str, size: int) -> str:
    return text[:size]


# Data ---------------------------------------------------------------------------------------


def _pending(institution_id: int, count: int, skip: set[int]) -> list[Deliverable]:
    return list(
        db.session.scalars(
            db.select(Deliverable)
            .where(
                Deliverable.institution_id == institution_id,
                Deliverable.status == "pending",
                Deliverable.id.not_in(skip or {0}),
            )
            .order_by(Deliverable.due_on, Deliverable.id)
            .limit(count)
        )
    )


def _load_hostile() -> dict[str, int]:
    """The demo, then hostile text in every free-text field, through the services."""
    base = factories.demo_states()
    users = {
        role: db.session.scalar(db.select(User).filter_by(email=e))
        for role, e in factories.DEMO_LOGINS.items()
    }
    admin, reviewer = users["seges_admin"], users["seges_reviewer"]
    manager, member = users["partner_manager"], users["partner_member"]
    mg = member.institution

    # Institutions (a new one through the service; MG's name and acronym edited) and users.
    hostile = institutions.save_institution(
        None,
        by=admin,
        name=_clip(LINE, 300),
        cnpj="11222333000181",
        sphere="municipal",
        elo="Municípios",
        acronym=TINY,
        uf="MG",
        parent_cnpj=mg.cnpj,
    )
    institutions.save_institution(
        mg,
        by=admin,
        name="Governo de Minas Gerais " + SHORT,
        cnpj=mg.cnpj,
        sphere=mg.sphere,
        elo=mg.elo,
        acronym=TINY,
        uf=mg.uf,
    )
    for user in (member, manager):
        accounts.update_user(user, by=admin, name=_clip(f"{user.name} {SHORT}", 200))

    # The agreement, its parties and a goal.
    agreement = db.session.get(Agreement, base["agreement"])
    agreement.object = MARKDOWN
    for party in db.session.scalars(
        db.select(AgreementParty).where(AgreementParty.agreement_id == agreement.id)
    ):
        party.signatory_name, party.signatory_role = SHORT, SHORT
    goal = db.session.get(Goal, base["goal"])
    goal.description = f"{goal.description} {LINE}"
    goal.deadline_text = _clip(LINE, 300)
    db.session.commit()

    # Deliverables: a draft with report, files and links; one sent; one returned; one waived.
    draft, sent, returned, waived = _pending(mg.id, 4, set())
    for deliverable in (draft, sent, returned):
        deliverable.period_label = _clip(SHORT, 200)
        services.save_draft(
            deliverable, by=member, report=MARKDOWN, covers_from=None, covers_to=None
        )
        services.add_link(deliverable, by=member, url=HOSTILE_URL, title=_clip(LINE, 300))
        services.add_files(
            deliverable,
            [FileStorage(BytesIO(PDF), filename=f"{TINY}.pdf", content_type="application/pdf")],
            by=member,
        )
    services.submit(sent, by=member)
    reviews.decide(
        services.submit(returned, by=member),
        by=reviewer,
        decision="returned",
        reason_code="insufficient_evidence",
        comment=MARKDOWN,
    )
    reviews.waive(waived, by=admin, reason=_clip(LINE, 500))

    # Forum: category, topic, reply, edit (history), report.
    category = forum.save_category(
        None,
        by=admin,
        name=_clip(SHORT, 100),
        description=_clip(LINE, 300),
        position=9,
        seges_only=False,
    )
    topic = forum.create_topic(
        category, by=member, title=_clip(f"{SHORT} {LINE}", 150), body=MARKDOWN, goal_id=goal.id
    )
    post = forum.reply(topic, by=manager, body=MARKDOWN)
    forum.edit_post(post, by=manager, body=MARKDOWN + "\n\nXSS editado")
    forum.report_post(post, by=member, reason=_clip(LINE, 500))

    # Network: an event and a request (their notifications echo the title), a course and a
    # class, a focal point asking for Painel access (SEGES is notified), a training record.
    day = clock.today() + timedelta(days=10)
    starts = events.to_utc(datetime.combine(day, time(10, 0)))
    event = events.convene(
        by=admin,
        kind="reuniao_tecnica",
        title=_clip(LINE, 300),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place=_clip(LINE, 500),
        agenda=MARKDOWN,
        audience="elo",
        audience_value="Estados",
    )
    request = events.send_request(
        by=admin, title=_clip(LINE, 300), text=MARKDOWN, due_on=day, audience="todos"
    )
    course = courses.save_course(
        None,
        by=admin,
        title=_clip(LINE, 300),
        description=MARKDOWN,
        hours=20,
        modality="distancia",
        audience=_clip(LINE, 300),
    )
    courses.save_class(
        None,
        course=course,
        by=admin,
        enrollment_opens_on=day,
        enrollment_closes_on=day,
        starts_on=day + timedelta(days=5),
        ends_on=day + timedelta(days=6),
        seats=10,
        place=_clip(LINE, 500),
        enrollment_url=HOSTILE_URL,
    )
    focal_point = focal_points.create(
        mg,
        by=manager,
        purpose="painel",
        name=_clip(SHORT, 200),
        cpf="935.411.347-80",
        phone="(31) 3915-0199",
        email="xss@mg.exemplo.gov.br",
    )
    focal_point.phone = _clip(TINY, 30)  # stored text from before the phone rule, shown escaped
    record = training.save_record(
        None,
        institution_id=mg.id,
        by=manager,
        title=_clip(LINE, 300),
        start_on=clock.today() - timedelta(days=3),
        end_on=clock.today() - timedelta(days=2),
        hours=8,
        participants=10,
        modality="presencial",
    )
    for user in users.values():
        notify(user, "forum.mention", _clip(LINE, 500), "/notificacoes")
    db.session.commit()

    return base | {
        "hostile_institution": hostile.id,
        "h_draft": draft.id,
        "h_sent": sent.id,
        "h_returned": returned.id,
        "h_waived": waived.id,
        "h_category": category.id,
        "h_topic": topic.id,
        "h_post": post.id,
        "h_event": event.id,
        "h_request": request.id,
        "h_course": course.id,
        "h_focal_point": focal_point.id,
        "h_training": record.id,
        "manager_user": manager.id,
        "h_goal": goal.id,
    }


@pytest.fixture(scope="module")
def site(serve_site, tmp_path_factory):
    """The app with the hostile dataset, served once for the whole module."""
    with serve_site(tmp_path_factory.mktemp("xss"), _load_hostile, "xss-live-server") as site:
        yield site


# The watchers -------------------------------------------------------------------------------

REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
    + ` at ${e.sourceFile || document.location.href}:${e.lineNumber} «${e.sample || ''}»`);
});
"""

# Everything in the DOM that only hostile input could have put there.
INJECTED = r"""(templateResult) => {
  const found = [];
  const show = (el) => el.outerHTML.slice(0, 200);
  const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster',
                     'background', 'srcset', 'ping', 'codebase', 'cite'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`event handler ${name}: ${show(el)}`);
      if (name.includes('pwn') || name === 'srcdoc') found.push(`attribute ${name}: ${show(el)}`);
      if (URL_ATTRS.includes(name) && /^(javascript|vbscript|data):/.test(value)) {
        found.push(`${name}=${value.slice(0, 40)}: ${show(el)}`);
      }
      // A path of the portal's own may carry the payload in its (encoded) query string.
      if (/^(data-)?hx-on/.test(name)
          || (/^(data-)?hx-(get|post|put|patch|delete|trigger)$/.test(name)
              && value.includes('pwn') && !/^\/[^\/\\]/.test(value))) {
        found.push(`htmx attribute ${name}: ${show(el)}`);
      }
    }
  }
  for (const el of document.querySelectorAll('script')) {
    const path = el.src ? new URL(el.src).pathname : '';
    if (!path.startsWith('/static/')) found.push(`script: ${show(el)}`);
  }
  // The portal's own SVG (charts, the map, legend swatches) carries its chart classes.
  const ours = (el) => el.closest('svg.chart, svg.chart-swatch') !== null;
  for (const el of document.querySelectorAll(
      'object, embed, frame, frameset, svg, math, base, applet, body style, body link, '
      + 'body meta, body title, form[action*="pwn"], noscript img')) {
    if (!ours(el)) found.push(`element: ${show(el)}`);
  }
  for (const el of document.querySelectorAll('iframe')) {
    const path = el.src ? new URL(el.src).pathname : '';
    if (!/^\/evidencias\/\d+\/visualizar$/.test(path)) found.push(`iframe: ${show(el)}`);
  }
  // What the user reads: the text, and what the form fields hold. Only what the checks
  // need crosses back to Python (a whole page's HTML is large).
  const fields = Array.from(
    document.querySelectorAll('input:not([type=hidden]), textarea, select option:checked'),
    (f) => f.value + ' ' + f.textContent);
  const text = document.body.innerText + '\n' + fields.join('\n');
  const html = document.documentElement.outerHTML;
  return {injected: found, evaluated: text.includes(templateResult),
          showsPayload: text.includes('XSS'),
          configLeaked: html.includes('SECRET_KEY') || html.includes('test-secret-key')};
}"""


@dataclass
class Watch:
    """What hostile input managed to do in the browser."""

    dialogs: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def handlers(self) -> dict:
        return {
            "dialog": self._on_dialog,
            "request": self._on_request,
            "console": self._on_console,
            "pageerror": self._on_page_error,
        }

    def _on_page_error(self, error) -> None:
        self.console_errors.append(f"page error: {error}")

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} on {dialog.page.url}")
        dialog.dismiss()

    def _on_request(self, request) -> None:
        path = urlsplit(request.url).path.lower()
        if path.startswith("/nao-existe/") and request.is_navigation_request():
            return  # the reflected-404 test asks for that path itself
        if "pwn" in path:
            self.requests.append(f"{request.resource_type} {request.url}")

    def _on_console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def check(self, page: Page, label: str, *, shows_payload: bool) -> None:
        """The page as it is now: nothing injected, payload (if expected) shown as text."""
        found = page.evaluate(INJECTED, TEMPLATE_RESULT)
        for item in found["injected"]:
            self.problems.append(f"{label}: {item}")
        if found["evaluated"]:
            self.problems.append(f"{label}: a template expression was evaluated")
        if found["configLeaked"]:
            self.problems.append(f"{label}: the app config leaked")
        if shows_payload and not found["showsPayload"]:
            self.problems.append(f"{label}: the hostile text is not on the page")

    def report(self) -> str:
        sections = {
            "dialogs": self.dialogs,
            "CSP violations (markup got through)": self.violations,
            "requests to /pwn (an injected element loaded)": self.requests,
            "console errors": self.console_errors,
            "injected markup or missing payload": self.problems,
        }
        return "\n".join(
            f"{name}:\n  " + "\n  ".join(items) for name, items in sections.items() if items
        )


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture(scope="module")
def kept_page(browser, site):
    """The module's one page, under the real CSP, and the watches its CSP violations go to
    (the running test's is the last)."""
    kept = site.kept_page(browser)
    watches: list[Watch] = []
    kept.page.context.expose_binding(
        "__reportViolation", lambda source, text: watches[-1].violations.append(text)
    )
    kept.page.context.add_init_script(script=REPORT_VIOLATIONS)
    yield kept, watches
    kept.close()


@pytest.fixture
def open_as(kept_page, watch, listening, screenshots_if_failed):
    """Factory: the module's page, signed in as ``role`` (None: anonymous), watched by this
    test's ``Watch``. (A test that signs in as another role goes on in the same page.)"""
    kept, watches = kept_page
    watches.append(watch)
    try:
        with listening(kept.page, watch.handlers()):
            yield kept.as_role
            screenshots_if_failed([kept.page])
    finally:
        watches.remove(watch)


def visit_all(page: Page, site, watch: Watch, pages) -> None:
    for path, shows_payload in pages:
        url = path.format(**site.ids)
        response = page.goto(url)
        if response is None or response.status != 200:
            watch.problems.append(f"{url}: HTTP {response.status if response else '?'}")
            continue
        watch.check(page, url, shows_payload=shows_payload)


# Pages: (path, the payload must show) -------------------------------------------------------

ADMIN_PAGES = [
    ("/", False),
    ("/analise", True),
    ("/analise/{h_sent}", True),
    ("/analise/{h_returned}", True),
    ("/analise/{h_waived}", True),
    ("/entregas/{h_sent}", True),
    ("/painel", True),
    ("/painel?visao=matriz", True),
    ("/acordos", True),
    ("/acordos/{agreement}", True),
    ("/acordos/{agreement}/editar", True),
    ("/acordos/{agreement}/metas/{h_goal}/editar", True),
    ("/acordos/{agreement}/adesoes/nova", False),
    ("/instituicoes", True),
    ("/instituicoes/{mg}", True),
    ("/instituicoes/{hostile_institution}", True),
    ("/instituicoes/{hostile_institution}/editar", True),
    ("/instituicoes/{mg}/servidores", True),
    ("/servidores/painel", True),
    ("/capacitacoes", True),
    ("/usuarios", True),
    ("/usuarios/{member_user}/editar", True),
    ("/auditoria", True),
    ("/forum/", True),
    ("/forum/categorias", True),
    ("/forum/categorias/{h_category}", True),
    ("/forum/categorias/{h_category}/editar", True),
    ("/forum/topicos/{h_topic}", True),
    ("/forum/topicos/{h_topic}/mover", True),
    ("/forum/mensagens/{h_post}/historico", True),
    ("/forum/denuncias", True),
    ("/forum/busca?q=XSS", True),
    ("/notificacoes", True),
    ("/eventos", True),
    ("/eventos/{h_event}", True),
    ("/solicitacoes", True),
    ("/solicitacoes/{h_request}", True),
    ("/cursos", True),
    ("/cursos/catalogo", True),
    ("/cursos/{h_course}/editar", True),
]

MANAGER_PAGES = [
    ("/", True),
    ("/?grupo=atrasadas", False),
    ("/?grupo=proximas", False),
    ("/?grupo=depois", False),
    ("/?grupo=concluidas", False),
    ("/entregas/{h_draft}", True),
    ("/entregas/{h_draft}/enviar", True),
    ("/entregas/{h_sent}", True),
    ("/entregas/{h_returned}", True),
    ("/entregas/{h_waived}", True),
    ("/acordos/{agreement}", True),
    ("/instituicoes/{mg}", True),
    ("/servidores", True),
    ("/servidores/{h_focal_point}/editar", True),
    ("/capacitacoes", True),
    ("/capacitacoes/{h_training}/editar", True),
    ("/usuarios", True),
    ("/usuarios/{member_user}/editar", True),
    ("/auditoria", True),
    ("/notificacoes", True),
    ("/eventos", True),
    ("/eventos/{h_event}", True),
    ("/forum/topicos/{h_topic}", True),
    ("/forum/topicos/{h_topic}/responder", True),
    ("/forum/mensagens/{h_post}/denunciar", True),
    ("/cursos", True),
    ("/conta", True),
]

MEMBER_PAGES = [
    ("/", True),
    ("/entregas/{h_draft}", True),
    ("/entregas/{h_returned}", True),
    ("/notificacoes", True),
    ("/forum/topicos/{h_topic}", True),
    ("/forum/mensagens/{h_post}/historico", True),
    ("/conta", True),
]

# Search boxes and filters: the query comes back in the page (value="…", "results for …").
REFLECTED = [
    "/forum/busca?q={q}",
    "/instituicoes?q={q}",
    "/acordos?q={q}",
    "/analise?parceiro={q}&codigo={q10}",
    "/painel?q={q}",
    "/auditoria?usuario={q}&instituicao={q}&acao={q}&objeto={q}&objeto_id={q}&de={q}&ate={q}",
    "/capacitacoes?ano={q}&instituicao={q}",
    "/?grupo={q}",
    "/nao-existe/{q}",
]


def _assert_clean(watch: Watch) -> None:
    report = watch.report()
    assert not report, report


# Tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        pytest.param("seges_admin", ADMIN_PAGES, id="seges_admin"),
        pytest.param("partner_manager", MANAGER_PAGES, id="partner_manager"),
        pytest.param("partner_member", MEMBER_PAGES, id="partner_member"),
    ],
)
def test_stored_payloads_are_inert_on_every_page(open_as, site, watch, role, pages):
    page = open_as(role)
    visit_all(page, site, watch, pages)
    _assert_clean(watch)


def test_reflected_payloads_are_inert(open_as, site, watch):
    page = open_as("seges_admin")
    for payload in (SHORT, "\" autofocus onfocus=alert('XSS-q') data-pwn=\"", "</script>XSS"):
        q, q10 = quote(payload, safe=""), quote(payload[:10], safe="")
        for path in REFLECTED:
            url = path.format(q=q, q10=q10)
            page.goto(url)
            watch.check(page, url, shows_payload=False)
    _assert_clean(watch)


def test_htmx_fragments_with_payloads_are_inert(open_as, site, watch):
    """What htmx swaps in (live search, preview, draft save, 422 forms) is inert too."""
    admin = open_as("seges_admin")
    admin.goto("/instituicoes")
    with admin.expect_response(lambda r: "/instituicoes?" in r.url):
        admin.locator(
            "#conteudo form[role=search] input[type=search], "
            "#conteudo form[role=search] input[name=q]"
        ).first.fill(SHORT)
    watch.check(admin, "institutions live search", shows_payload=False)
    admin.goto("/forum/")
    admin.get_by_label("Buscar no fórum").first.fill("XSS")
    admin.get_by_role("button", name="Buscar").first.click()
    expect(admin.locator("#conteudo")).to_contain_text("XSS")
    watch.check(admin, "forum search results", shows_payload=True)

    member = open_as("partner_member")
    member.goto(f"/forum/categorias/{site.ids['h_category']}/novo-topico")
    member.get_by_label("Título").fill(SHORT)
    member.get_by_label("Pergunta ou mensagem").fill(MARKDOWN)
    member.get_by_role("button", name="Pré-visualizar").click()
    expect(member.locator("#previa-topico")).to_contain_text("XSS")
    watch.check(member, "forum preview", shows_payload=True)
    member.get_by_label("Pergunta ou mensagem").fill("")
    member.get_by_role("button", name="Publicar pergunta").click()
    expect(member.get_by_label("Título")).to_have_value(SHORT)
    watch.check(member, "forum topic form with errors", shows_payload=False)

    member.goto(f"/forum/topicos/{site.ids['h_topic']}")
    member.get_by_label("Mensagem").fill(MARKDOWN)
    member.get_by_role("button", name="Publicar resposta").click()
    expect(member.locator(".forum-post").last).to_contain_text("XSS-autolink")
    watch.check(member, "forum reply", shows_payload=True)

    member.goto(f"/entregas/{site.ids['h_draft']}")
    member.get_by_label("Relato do que foi feito").fill(MARKDOWN + "\n\nXSS salvo pela tela")
    member.get_by_role("button", name="Salvar rascunho").click()
    expect(member.locator("#mensagens")).to_contain_text("Rascunho salvo.")
    watch.check(member, "draft saved through htmx", shows_payload=True)
    member.get_by_label("Endereço (URL)").fill(HOSTILE_URL)
    member.get_by_label("Título do link").fill(SHORT)
    member.get_by_role("button", name="Adicionar link").click()
    expect(member.locator("#evidencias")).to_contain_text('XSS"><img')
    watch.check(member, "link added through htmx", shows_payload=True)
    member.get_by_label("Endereço (URL)").fill("javascript:alert('XSS-link')")
    member.get_by_role("button", name="Adicionar link").click()
    expect(member.locator("#evidencias")).to_contain_text("http://")  # refused: 422
    watch.check(member, "javascript: link refused", shows_payload=False)
    _assert_clean(watch)


def test_the_watchers_catch_injected_markup(open_as, site, watch):
    """The harness itself: markup that escaped the templates must be reported, all ways."""
    page = open_as("partner_member")
    page.goto("/notificacoes")
    page.evaluate(
        """() => document.getElementById('conteudo').insertAdjacentHTML('beforeend',
            '<img src=/pwn-harness onerror="alert(1)"><a href="javascript:alert(2)">x</a>')"""
    )
    page.wait_for_timeout(300)
    watch.check(page, "harness", shows_payload=False)
    report = watch.report()
    assert "script-src" in report, report  # CSP stopped the inline handler
    assert "/pwn-harness" in report, report  # the injected img loaded
    assert "event handler onerror" in report, report
    assert "href=javascript:alert(2)" in report, report
