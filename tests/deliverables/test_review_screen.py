"""The reviewer's screen (issue 17, point 6) and the PDF preview's markup (point 3): the
submission before the decision, every error at once and none before the first try, SEGES's
home led by the review queue with the agreement on each row."""

import re
from pathlib import Path

import pytest

from portal.deliverables import reviews
from portal.deliverables.models import Deliverable
from portal.extensions import db
from tests import factories
from tests.factories import PDF, PNG, deliverable_of

ROOT = Path(__file__).resolve().parents[2]
PDFJS = "pdfjs-dist-6.5.438"
CSV = b"nome,cargo\nAna,analista\n"


@pytest.fixture
def submitted(users, painel):
    """MG's 1.2 sent by its member: a report, a PDF, an image, a CSV and a link."""
    return factories.submitted(
        painel, users["partner_member"], "Indicamos a servidora Ana para o Painel.",
        files=[("oficio.pdf", PDF), ("foto.png", PNG), ("lista.csv", CSV)],
        links=[("https://www.gov.br/a", "Notícia")],
    )


def _decide(client, deliverable, submission, **data):
    return client.post(
        f"/analise/{deliverable.id}/decisao", data={"submission_id": submission.id, **data}
    )


def _decision_form(body: str) -> str:
    start = body.index('id="decisao-titulo"')
    return body[start:body.index("</form>", start)]


# Order ------------------------------------------------------------------------------------


def test_the_submission_comes_before_the_decision(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    body = client.get(f"/analise/{painel.id}").get_data(as_text=True)
    report = body.index("Indicamos a servidora Ana para o Painel.")
    evidence = body.index("oficio.pdf")
    decision = body.index('id="decisao-titulo"')
    assert report < decision and evidence < decision
    assert body.index('action="/analise/') > evidence  # the form itself, after the evidence
    assert "ACT nº 160/2025" in factories.page_text(body)  # the agreement, in the summary card


def test_a_resubmission_shows_what_changed_before_the_decision_and_history_after(
    client, users, login, painel, submitted
):
    reviews.decide(submitted, by=users["seges_reviewer"], decision="returned",
                   reason_code="insufficient_evidence", comment="Falta o ofício assinado.")
    factories.submitted(db.session.get(Deliverable, painel.id), users["partner_member"],
                        "Indicamos a servidora Ana Souza para o Painel.")
    login(users["seges_reviewer"])
    body = client.get(f"/analise/{painel.id}").get_data(as_text=True)
    current = body.index('id="versao-2"')
    changes = body.index("O que mudou desde a devolução")
    decision = body.index('id="decisao-titulo"')
    earlier = body.index("Versões anteriores")
    returned = body.index('id="versao-1"')
    assert current < changes < decision < earlier < returned
    assert re.search(r'<h3 id="versao-1"', body)  # the earlier versions sit under their heading


# Errors -----------------------------------------------------------------------------------


def test_returning_without_reason_or_comment_reports_both_at_once(
    client, users, login, painel, submitted
):
    login(users["seges_reviewer"])
    response = _decide(client, painel, submitted, decision="returned", reason_code="", comment="")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    form = _decision_form(body)
    assert "Escolha o motivo da devolução." in form
    assert "o comentário é obrigatório ao devolver" in form
    assert "Corrija os 2 campos indicados:" in factories.page_text(form)
    assert 'href="#reason_code"' in form and 'href="#comment"' in form  # the summary links
    assert re.search(r'<select[^>]*aria-invalid="true"[^>]*name="reason_code"|'
                     r'<select[^>]*name="reason_code"[^>]*aria-invalid="true"', form)
    assert re.search(r'<textarea[^>]*aria-invalid="true"', form)
    assert "Devolver ao parceiro" in form and 'checked' in form  # the choice is kept
    assert db.session.get(Deliverable, painel.id).status == "submitted"


def test_a_missing_decision_marks_the_radios_and_nothing_else(
    client, users, login, painel, submitted
):
    login(users["seges_reviewer"])
    response = _decide(client, painel, submitted, comment="Texto")
    form = _decision_form(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Escolha aprovar ou devolver." in form
    assert form.count('aria-invalid="true"') == 2  # the two radios, not the other fields
    assert 'class="br-radio invalid"' in form
    assert 'href="#decision-0"' in form
    assert "Texto" in form  # what was typed stays


def test_nothing_is_marked_invalid_before_the_first_try(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    form = _decision_form(client.get(f"/analise/{painel.id}").get_data(as_text=True))
    assert "aria-invalid" not in form
    assert " invalid" not in form and "feedback danger" not in form
    # A required radio is :invalid (painted red by the DS) before anyone chooses.
    assert not re.search(r"<input[^>]*\brequired\b", form)
    assert "obrigatória" in factories.page_text(form)  # said in the legend instead


def test_the_form_errors_come_back_as_a_fragment_for_htmx(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    response = client.htmx(
        f"/analise/{painel.id}/decisao", method="POST",
        data={"submission_id": submitted.id, "decision": "returned"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in body and body.lstrip().startswith('<div id="analise"')
    assert "Escolha o motivo da devolução." in body and "comentário é obrigatório" in body


def test_a_valid_return_still_goes_through(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    response = _decide(client, painel, submitted, decision="returned",
                       reason_code="insufficient_evidence", comment="Anexe o ofício.")
    assert response.status_code == 302
    assert db.session.get(Deliverable, painel.id).status == "returned"


def test_decision_problems_lists_every_problem():
    assert reviews.decision_problems("returned", None, " ") == {
        "reason_code": "Escolha o motivo da devolução.",
        "comment": "Explique ao parceiro o que corrigir: o comentário é obrigatório ao devolver.",
    }
    assert reviews.decision_problems(None, None, "") == {"decision": "Escolha aprovar ou devolver."}
    assert reviews.decision_problems("approved", None, "") == {}
    assert reviews.decision_problems("approved", "nada", "") == {"reason_code": "Motivo inválido."}
    assert reviews.decision_problems("returned", "other", "Confira.") == {}


def test_decide_without_the_view_still_refuses_an_incomplete_return(users, painel, submitted):
    with pytest.raises(Exception, match="Escolha o motivo da devolução"):
        reviews.decide(submitted, by=users["seges_reviewer"], decision="returned")


def test_decision_refuses_a_post_without_csrf(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    response = client.post(
        f"/analise/{painel.id}/decisao", csrf=False,
        data={"submission_id": submitted.id, "decision": "approved"},
    )
    assert response.status_code == 400
    assert db.session.get(Deliverable, painel.id).status == "submitted"


@pytest.mark.parametrize("role", ["partner_manager", "partner_member", "other_manager"])
def test_partners_can_neither_open_the_analysis_nor_decide(
    client, users, login, painel, submitted, role
):
    login(users[role])
    assert client.get(f"/analise/{painel.id}").status_code == 403
    assert client.htmx(f"/analise/{painel.id}").status_code == 403
    response = _decide(client, painel, submitted, decision="approved")
    assert response.status_code == 403
    assert db.session.get(Deliverable, painel.id).status == "submitted"


# Previews ---------------------------------------------------------------------------------


def test_pdf_evidence_gets_the_canvas_viewer_with_a_download_link_without_javascript(
    client, users, login, painel, submitted
):
    login(users["seges_reviewer"])
    body = client.get(f"/analise/{painel.id}").get_data(as_text=True)
    pdf, image, csv = (next(e for e in submitted.files if e.original_name == name)
                       for name in ("oficio.pdf", "foto.png", "lista.csv"))
    assert "<iframe" not in body
    viewer = re.search(r'<div class="review-pdf" data-pdf-viewer[^>]*>', body).group(0)
    assert f'data-pdf-src="/evidencias/{pdf.id}/visualizar"' in viewer
    assert 'data-pdf-name="oficio.pdf"' in viewer
    assert "A visualização do PDF precisa de JavaScript" in body
    assert body.count(f'href="/evidencias/{pdf.id}/arquivo"') == 2  # its name and the fallback
    assert f'<img src="/evidencias/{image.id}/visualizar"' in body
    assert f'href="/evidencias/{csv.id}/arquivo"' in body  # other types: download only
    assert "Visualizar<span class=\"sr-only\"> lista.csv" not in body
    assert "Página anterior" in body and "Próxima página" in body


def test_the_analysis_page_loads_the_viewer_and_its_vendored_pdfjs(
    client, users, login, painel, submitted
):
    login(users["seges_reviewer"])
    head = client.get(f"/analise/{painel.id}").get_data(as_text=True).split("</head>")[0]
    scripts = re.search(r'<script src="(/static/bundles/portal\.js\?v=\w+)" defer>', head)
    styles = re.search(r'<link rel="stylesheet" href="(/static/bundles/portal\.css\?v=\w+)">', head)
    assert b"/* js/pdf-preview.js */" in client.get(scripts.group(1)).get_data()
    assert b"/* css/review.css */" in client.get(styles.group(1)).get_data()
    script = (ROOT / "static" / "js" / "pdf-preview.js").read_text()
    assert f"../vendor/{PDFJS}/" in script
    vendored = ROOT / "static" / "vendor" / PDFJS
    assert {p.name for p in vendored.iterdir()} == {"LICENSE", "pdf.min.mjs", "pdf.worker.min.mjs"}
    for name in ("pdf.min.mjs", "pdf.worker.min.mjs"):
        response = client.get(f"/static/vendor/{PDFJS}/{name}")
        assert response.status_code == 200
        assert "javascript" in response.content_type  # module scripts need a JavaScript type
        response.close()


def test_a_boosted_visit_to_the_analysis_is_a_page_whose_head_loads_the_viewer(
    client, users, login, painel, submitted
):
    """htmx keeps the <head> of the page the reviewer came from: every page carries the
    viewer's script and styles, so a boosted link to the analysis needs nothing more."""
    login(users["seges_reviewer"])
    home = client.get("/").get_data(as_text=True).split("</head>")[0]
    assert "bundles/portal.js" in home and "bundles/portal.css" in home  # pdf-preview, review
    response = client.get(
        f"/analise/{painel.id}", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert "data-pdf-viewer" in response.get_data(as_text=True)


def test_the_analysis_fragment_for_htmx(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    body = client.htmx(f"/analise/{painel.id}").get_data(as_text=True)
    assert body.lstrip().startswith('<div id="analise"') and "<html" not in body


# SEGES's home and the queue ---------------------------------------------------------------


@pytest.fixture
def two_agreements(users, act, painel, submitted):
    """The same plan signed by ES too: SEGES owes its goals under both agreements; ES's 1.2
    waits for review as well."""
    es = users["other_manager"].institution
    second = factories.seed_agreement(number="161/2025", partner=es)
    es_member = factories.user("membro@es.test", "partner_member", es)
    factories.submitted(deliverable_of(second, "1.2", es.id), es_member, "Indicamos Bruno.")
    return second


def test_seges_home_leads_with_the_review_queue_and_its_agreements(
    client, users, login, two_agreements
):
    login(users["seges_reviewer"])
    body = client.get("/").get_data(as_text=True)
    text = factories.page_text(body)
    assert "2 entregas aguardando análise" in text
    assert text.index("Fila de análise") < text.index("Entregas da SEGES")
    queue = factories.table_rows(body, "aguardando análise")
    assert [(row["Parceiro"], row["Instrumento"]) for row in queue] == [
        ("SCC/MG", "ACT nº 160/2025"), ("SEGER/ES", "ACT nº 161/2025")]
    assert all(row["Meta"].startswith("1.2") for row in queue)
    assert ("Abrir a fila de análise, com filtros", "/analise") in [
        (label.strip(), href) for label, href in factories.links(body)]


def test_seges_home_says_when_nothing_waits(client, users, login, act):
    login(users["seges_admin"])
    text = factories.page_text(client.get("/").get_data(as_text=True))
    assert "Nenhuma entrega aguardando análise." in text and "0 entregas" not in text


def test_seges_own_deliverables_name_their_agreement(client, users, login, two_agreements):
    login(users["seges_reviewer"])
    body = client.get("/?grupo=atrasadas").get_data(as_text=True)
    rows = [row for row in factories.table_rows(body) if "Situação" in row]
    forum = [row["Instrumento"] for row in rows if "Disponibilizar fórum virtual" in row["Meta"]]
    assert sorted(forum) == ["ACT nº 160/2025 (SCC/MG)", "ACT nº 161/2025 (SEGER/ES)"]


def test_seges_home_fragment_keeps_the_agreement_and_leaves_out_the_queue(
    client, users, login, two_agreements
):
    login(users["seges_admin"])
    body = client.htmx("/?grupo=atrasadas").get_data(as_text=True)
    assert body.lstrip().startswith('<div id="minhas-entregas"')
    assert "aguardando análise" not in body
    assert all("Instrumento" in row for row in factories.table_rows(body))


def test_the_queue_preview_shows_the_oldest_and_counts_the_rest(users, two_agreements, app):
    preview = reviews.queue_preview(factories.SEED_START, limit=1)
    assert preview.count == 2 and preview.more == 1
    assert [s.deliverable.institution.acronym for s in preview.oldest] == ["SCC/MG"]


def test_partners_home_has_no_queue_and_no_agreement_column(client, users, login, two_agreements):
    login(users["partner_member"])
    body = client.get("/").get_data(as_text=True)
    assert "aguardando análise" not in factories.page_text(body)
    assert "Minhas entregas" in factories.page_text(body)
    assert all("Instrumento" not in row for row in factories.table_rows(body))


def test_the_queue_names_the_agreement(client, users, login, two_agreements):
    login(users["seges_reviewer"])
    rows = factories.table_rows(client.get("/analise").get_data(as_text=True))
    assert [row["Instrumento"] for row in rows] == ["ACT nº 160/2025", "ACT nº 161/2025"]


# Stacked tables ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/?grupo=atrasadas", "/analise"])
def test_lists_stack_on_narrow_screens_with_labelled_cells(
    client, users, login, two_agreements, url
):
    login(users["seges_reviewer"])
    root = factories.parse_html(client.get(url).get_data(as_text=True))
    tables = list(root.iter("table"))
    assert tables
    for table in tables:
        assert "portal-stack" in table.attrs.get("class", "").split()
        headers = [th.text for th in table.iter("th")]
        for tr in table.iter("tr"):
            cells = [c for c in tr.children if getattr(c, "tag", None) == "td"]
            if cells:
                assert [c.attrs.get("data-label") for c in cells] == headers
        firsts = [td.attrs["data-label"] for td in table.iter("td")
                  if "portal-stack-first" in td.attrs.get("class", "").split()]
        assert firsts and set(firsts) <= {"Prazo", "Situação", "Esperando"}
