"""Auditoria (the read-only audit trail) and the LGPD export of one's own data."""

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError

from portal.audit.services import ACTION_LABELS, action_label
from portal.core.models import AuditEvent, AuditTrailIsAppendOnly
from portal.extensions import db
from portal.focal_points import services as focal_points
from portal.forum import services as forum
from portal.notifications.services import notify
from tests import factories

CPF = "529.982.247-25"


def _event(action="user.updated", *, actor=None, institution=None, at=None, **fields):
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        institution_id=getattr(institution, "id", None),
        created_at=at or datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
        **fields,
    )
    db.session.add(event)
    db.session.commit()
    return event


def _table(response) -> str:
    """The text of the results table only (the filter's select lists every action label)."""
    rows = factories.table_rows(response.get_data(as_text=True))
    return "\n".join(" | ".join(row.values()) for row in rows)


def _export(response) -> tuple[list[str], list[list[str]]]:
    """The CSV's first lines (the filters it was made with), then its table (headers first)."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    blank = lines.index([])
    return [line[0] for line in lines[:blank]], lines[blank + 1 :]


def _rows(response) -> list[list[str]]:
    return _export(response)[1]


@pytest.fixture
def trail(users):
    """Events of SEGES, Minas Gerais and Espírito Santo."""
    admin, manager, other = users["seges_admin"], users["partner_manager"], users["other_manager"]
    mg, es = manager.institution, other.institution
    return {
        "seges": _event(
            "institution.created",
            actor=admin,
            institution=admin.institution,
            object_type="Institution",
            object_id=admin.institution_id,
            at=datetime(2025, 1, 5, 13, 0, tzinfo=UTC),
        ),
        "mg": _event(
            "deliverable.submitted",
            actor=manager,
            institution=mg,
            object_type="Deliverable",
            object_id=42,
            ip="10.0.0.7",
            details={"versão": 2, "obs": "ok"},
            at=datetime(2025, 3, 10, 2, 30, tzinfo=UTC),
        ),  # 09/03 23:30 in Brasília
        "es": _event(
            "focal_point.cpf_viewed",
            actor=other,
            institution=es,
            object_type="FocalPoint",
            object_id=7,
            at=datetime(2025, 3, 10, 15, 0, tzinfo=UTC),
        ),
        "custom": _event(
            "integration.synced",
            actor=admin,
            institution=mg,
            at=datetime(2025, 4, 1, 12, 0, tzinfo=UTC),
        ),
    }


# Browsing ------------------------------------------------------------------------------


def test_admin_sees_every_institutions_events_newest_first(client, users, login, trail):
    login(users["seges_admin"])
    html = client.get("/auditoria").get_data(as_text=True)
    assert "<h1>Auditoria</h1>" in html
    html = html.split("<tbody>")[1]
    positions = [
        html.index(label)
        for label in (
            "integration.synced",
            "CPF de servidor indicado exibido",
            "Entrega enviada",
            "Instituição criada",
        )
    ]
    assert positions == sorted(positions)
    assert "gestor@es.test" in html and "gestor@mg.test" in html
    assert "SEGER/ES" in html and "SCC/MG" in html


def test_unknown_actions_show_their_code_and_known_ones_a_portuguese_label(
    client, users, login, trail
):
    login(users["seges_admin"])
    html = client.get("/auditoria").get_data(as_text=True)
    assert factories.table_row(html, "Entrega enviada")["Ação"] == (
        "Entrega enviada deliverable.submitted")  # the label, then the code
    assert factories.table_row(html, "integration.synced")["Ação"] == "integration.synced"
    assert action_label("nada.conhecido") == "nada.conhecido"


def test_details_are_shown_as_compact_json(client, users, login, trail):
    login(users["seges_admin"])
    html = client.get("/auditoria").get_data(as_text=True)
    assert "{&#34;obs&#34;:&#34;ok&#34;,&#34;versão&#34;:2}" in html


def test_filter_by_user_email_substring(client, users, login, trail):
    login(users["seges_admin"])
    html = client.get("/auditoria?usuario=GESTOR@ES").get_data(as_text=True)
    assert "gestor@es.test" in html
    assert "gestor@mg.test" not in html and "admin@seges.test" not in html


@pytest.mark.parametrize("term", ["espírito santo", "SEGER/ES", "27080530", "27.080.530/0001-43"])
def test_admin_filters_by_institution_name_acronym_or_cnpj(client, users, login, trail, term):
    login(users["seges_admin"])
    html = client.get("/auditoria", query_string={"instituicao": term}).get_data(as_text=True)
    assert "gestor@es.test" in html
    assert "gestor@mg.test" not in html and "admin@seges.test" not in html


def test_filter_by_action_offers_known_and_recorded_actions(client, users, login, trail):
    login(users["seges_admin"])
    html = client.get("/auditoria?acao=deliverable.submitted").get_data(as_text=True)
    assert "gestor@mg.test" in html
    assert "gestor@es.test" not in html and "integration.synced</td>" not in html
    assert '<option value="integration.synced">integration.synced</option>' in html
    assert '<option selected value="deliverable.submitted">Entrega enviada</option>' in html


def test_filter_by_object_type_and_id(client, users, login, trail):
    login(users["seges_admin"])
    html = client.get("/auditoria?objeto=Deliverable&objeto_id=42").get_data(as_text=True)
    assert "Entrega nº 42" in html and "gestor@es.test" not in html
    html = client.get("/auditoria?objeto=Deliverable&objeto_id=43").get_data(as_text=True)
    assert "Nenhum registro de auditoria" in html
    html = client.get("/auditoria?objeto=FocalPoint").get_data(as_text=True)
    assert "gestor@es.test" in html and "gestor@mg.test" not in html


@pytest.mark.parametrize("day", ["09/03/2025", "2025-03-09"])
def test_date_range_is_read_in_brasilia_time(client, users, login, trail, day):
    """02:30 UTC on 10/03 is still 09/03 in America/Sao_Paulo."""
    login(users["seges_admin"])
    html = client.get("/auditoria", query_string={"de": day, "ate": day}).get_data(as_text=True)
    assert "gestor@mg.test" in html and "09/03/2025 23:30" in html
    assert "gestor@es.test" not in html  # 10/03 12:00 in Brasília
    html = _table(client.get("/auditoria?de=10/03/2025"))
    assert "gestor@es.test" in html and "gestor@mg.test" not in html
    assert "integration.synced" in html and "Instituição criada" not in html


def test_invalid_filters_are_reported_in_portuguese_and_ignored(client, users, login, trail):
    login(users["seges_admin"])
    response = client.get("/auditoria?de=31/02/2025&objeto_id=abc")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Data inválida: use o formato dd/mm/aaaa." in html
    assert "Informe um número inteiro." in html
    assert "gestor@es.test" in html and "gestor@mg.test" in html  # nothing filtered out


def test_end_date_before_start_date_is_refused(client, users, login, trail):
    login(users["seges_admin"])
    html = client.get("/auditoria?de=10/03/2025&ate=01/03/2025").get_data(as_text=True)
    assert "A data final deve ser igual ou posterior à inicial." in html


def test_trail_is_paginated(app, client, users, login):
    admin = users["seges_admin"]
    per_page = app.config["ITEMS_PER_PAGE"]
    for minute in range(per_page + 3):
        db.session.add(
            AuditEvent(
                action="auth.login",
                actor_id=admin.id,
                actor_email=admin.email,
                created_at=datetime(2025, 5, 1, 12, minute, tzinfo=UTC),
            )
        )
    db.session.commit()
    login(admin)  # one more auth.login, the newest
    first = client.get("/auditoria?acao=auth.login").get_data(as_text=True)
    assert f"Página 1 de 2 · {per_page + 4} registros" in first
    assert first.count("<tr>") == per_page + 1  # header row + a page of events
    second = client.get("/auditoria?acao=auth.login&page=2").get_data(as_text=True)
    assert second.count("<tr>") == 4 + 1
    assert "01/05/2025 09:00" in second  # the oldest (12:00 UTC) comes last
    assert "acao=auth.login" in second and "page=1" in second


def test_htmx_request_gets_only_the_results_fragment(client, users, login, trail):
    login(users["seges_admin"])
    response = client.htmx("/auditoria?usuario=gestor@mg")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="auditoria"')
    assert "<html" not in html and 'role="search"' not in html
    assert "gestor@mg.test" in html and "gestor@es.test" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_filter_form_updates_results_with_htmx_and_pushes_the_url(client, users, login):
    login(users["seges_admin"])
    html = client.get("/auditoria").get_data(as_text=True)
    assert 'hx-get="/auditoria"' in html and 'hx-push-url="true"' in html
    assert 'hx-target="#auditoria"' in html and 'method="get"' in html


# Partner managers: their own institution only -------------------------------------------


def test_partner_manager_sees_only_own_institutions_events(client, users, login, trail):
    login(users["partner_manager"])
    page = client.get("/auditoria")
    html = _table(page)
    assert "gestor@mg.test" in html and "integration.synced" in html
    assert "gestor@es.test" not in html and "SEGER/ES" not in html
    assert "Instituição criada" not in html  # SEGES's own event
    # no institution filter: there is only one
    assert 'name="instituicao"' not in page.get_data(as_text=True)


def test_a_partner_reads_only_its_own_staffs_ip_addresses(client, users, login, trail):
    """SEGES's (or anyone else's) address on the partner's objects is not the partner's to
    know: the actor and institution are named, the IP is not."""
    _event("deliverable.approved", actor=users["seges_reviewer"], institution=users[
        "partner_manager"].institution, object_type="Deliverable", object_id=42,
        ip="192.0.2.99", at=datetime(2025, 3, 11, 12, 0, tzinfo=UTC))
    login(users["partner_manager"])
    rows = factories.table_rows(client.get("/auditoria").get_data(as_text=True))
    by_actor = {row["Usuário"]: row["IP"] for row in rows}
    assert by_actor["revisor@seges.test"] == "—" and by_actor["gestor@mg.test"] == "10.0.0.7"
    exported = {row[2]: row[6] for row in _rows(client.get("/auditoria.csv"))[1:]}
    assert exported["revisor@seges.test"] == "" and exported["gestor@mg.test"] == "10.0.0.7"
    client.post("/logout")
    login(users["seges_admin"])
    rows = factories.table_rows(client.get("/auditoria").get_data(as_text=True))
    assert {row["Usuário"]: row["IP"] for row in rows}["revisor@seges.test"] == "192.0.2.99"


def test_another_states_events_never_appear_for_a_manager_whatever_the_filters(
    client, users, login, trail
):
    login(users["partner_manager"])
    for query in (
        {"usuario": "gestor@es"},
        {"instituicao": "Espírito"},
        {"objeto": "FocalPoint"},
        {"acao": "focal_point.cpf_viewed"},
    ):
        html = client.get("/auditoria", query_string=query).get_data(as_text=True)
        assert "gestor@es.test" not in html, query
    rows = _rows(client.get("/auditoria.csv?usuario=gestor@es"))
    assert rows[1:] == []
    rows = _rows(client.get("/auditoria.csv"))
    assert {row[3] for row in rows[1:]} == {"Governo de Minas Gerais (SCC/MG)"}


@pytest.mark.parametrize("role", ["partner_member", "seges_reviewer"])
def test_members_and_reviewers_cannot_browse_the_trail(client, users, login, trail, role):
    login(users[role])
    assert client.get("/auditoria").status_code == 403
    assert client.htmx("/auditoria").status_code == 403
    assert client.get("/auditoria.csv").status_code == 403


def test_nav_shows_auditoria_only_to_those_allowed(client, users, login):
    for role, shown in [
        ("seges_admin", True),
        ("partner_manager", True),
        ("seges_reviewer", False),
        ("partner_member", False),
    ]:
        login(users[role])
        html = client.get("/conta").get_data(as_text=True)
        assert ('href="/auditoria"' in html) is shown, role
        client.post("/logout")


# CSV export ----------------------------------------------------------------------------


def test_csv_export_has_headers_bom_semicolons_and_local_times(client, users, login, trail):
    login(users["seges_admin"])
    response = client.get("/auditoria.csv?instituicao=Minas&acao=deliverable.submitted")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="auditoria-')
    rows = _rows(response)
    assert rows[0] == [
        "Data/hora",
        "Ação",
        "Usuário",
        "Instituição",
        "Objeto",
        "Id",
        "IP",
        "Detalhes (JSON)",
    ]
    assert rows[1:] == [
        [
            "09/03/2025 23:30",
            "Entrega enviada",
            "gestor@mg.test",
            "Governo de Minas Gerais (SCC/MG)",
            "Entrega",
            "42",
            "10.0.0.7",
            '{"obs":"ok","versão":2}',
        ]
    ]


def test_csv_export_applies_every_filter_and_keeps_the_order(client, users, login, trail):
    login(users["seges_admin"])
    rows = _rows(client.get("/auditoria.csv"))
    assert rows[1][1] == "Entrada no portal"  # the admin's own login, just now
    assert [row[1] for row in rows[2:]] == [
        "integration.synced",
        "CPF de servidor indicado exibido",
        "Entrega enviada",
        "Instituição criada",
    ]
    rows = _rows(client.get("/auditoria.csv?de=10/03/2025&ate=10/03/2025"))
    assert [row[2] for row in rows[1:]] == ["gestor@es.test"]


def test_csv_export_streams_every_event_past_one_batch(client, users, login):
    db.session.add_all(
        AuditEvent(action="auth.login", actor_email=f"u{n}@mg.test") for n in range(1203)
    )
    db.session.commit()
    login(users["seges_admin"])
    rows = _rows(client.get("/auditoria.csv?acao=auth.login"))
    emails = [row[2] for row in rows[1:]]
    assert len(emails) == 1204 and len(set(emails)) == 1204  # with the admin's own login


def test_export_link_carries_the_current_filters(client, users, login):
    login(users["seges_admin"])
    html = client.get("/auditoria?usuario=gestor").get_data(as_text=True)
    assert 'href="/auditoria.csv?usuario=gestor"' in html


def test_the_export_link_is_redrawn_with_the_filters_of_an_htmx_update(client, users, login):
    """The filters change through htmx, which swaps only the results: the link is in them."""
    login(users["seges_admin"])
    html = client.htmx("/auditoria?usuario=gestor&acao=auth.login&de=&page=2").get_data(
        as_text=True)
    assert html.lstrip().startswith('<div id="auditoria"')
    assert 'href="/auditoria.csv?usuario=gestor&amp;acao=auth.login"' in html  # all pages


def test_a_filtered_export_holds_exactly_the_listed_events_and_says_its_filters(
    app, client, users, login, trail
):
    """The bug: the trail filtered to one user listed 38 records and its CSV held 91."""
    admin, manager = users["seges_admin"], users["partner_manager"]
    for minute in range(app.config["ITEMS_PER_PAGE"] + 5):  # more than a page of each
        for actor in (admin, manager):
            _event("auth.login", actor=actor, at=datetime(2025, 5, 1, 12, minute, tzinfo=UTC))
    login(admin)
    query = "?usuario=gestor@mg&de=2025-03-01&ate=31/05/2025"
    listed, page = [], 1
    while True:
        html = client.get(f"/auditoria{query}&page={page}").get_data(as_text=True)
        listed += [[row["Data/hora"], row["Usuário"]] for row in factories.table_rows(html)]
        if "Próxima página" not in html:
            break
        page += 1
    preamble, table = _export(client.get(f"/auditoria.csv{query}&page=2"))
    assert preamble == [
        "Filtros: Usuário (e-mail) = gestor@mg; De = 01/03/2025; Até = 31/05/2025"
    ]
    assert table[0][:3] == ["Data/hora", "Ação", "Usuário"]
    assert [[row[0], row[2]] for row in table[1:]] == listed
    assert len(listed) == app.config["ITEMS_PER_PAGE"] + 5 + 1  # the logins and trail's "mg"
    assert {row[2] for row in table[1:]} == {"gestor@mg.test"}


def test_the_export_names_choices_by_their_labels_and_omits_ignored_filters(
    client, users, login, trail
):
    login(users["seges_admin"])
    preamble, table = _export(
        client.get("/auditoria.csv?acao=deliverable.submitted&objeto=Deliverable&objeto_id=x")
    )
    assert preamble == ["Filtros: Ação = Entrega enviada; Tipo de objeto = Entrega"]
    assert [row[1] for row in table[1:]] == ["Entrega enviada"]
    client.post("/logout")
    login(users["partner_manager"])
    preamble, table = _export(client.get("/auditoria.csv"))
    assert preamble == ["Filtros: nenhum"]  # its own institution's trail, as the page
    assert {row[3] for row in table[1:]} == {"Governo de Minas Gerais (SCC/MG)"}


# Append-only ---------------------------------------------------------------------------


def test_audit_events_cannot_be_updated(app, trail):
    event = db.session.get(AuditEvent, trail["mg"].id)
    event.action = "deliverable.approved"
    with pytest.raises((AuditTrailIsAppendOnly, StatementError)):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, trail["mg"].id).action == "deliverable.submitted"


def test_audit_events_cannot_be_deleted(app, trail):
    db.session.delete(db.session.get(AuditEvent, trail["es"].id))
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, trail["es"].id) is not None


def test_no_route_under_auditoria_changes_anything(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/auditoria")]
    assert {rule.endpoint for rule in rules} == {"audit.events", "audit.events_csv"}
    for rule in rules:
        assert not rule.methods & {"POST", "PUT", "PATCH", "DELETE"}, rule


def test_posting_to_the_trail_is_not_allowed(client, users, login, trail):
    login(users["seges_admin"])
    assert client.post("/auditoria").status_code == 405
    assert client.delete("/auditoria").status_code == 405


# LGPD: my data -------------------------------------------------------------------------


@pytest.fixture
def member(users):
    member = users["partner_member"]
    member.cpf = "52998224725"
    member.phone = "(31) 3915-0000"
    db.session.commit()
    return member


def test_user_downloads_own_personal_data_as_json_attachment(client, users, login, member):
    manager = users["partner_manager"]
    own_fp = focal_points.create(
        manager.institution,
        by=manager,
        purpose="acompanhamento",
        name="Membro",
        cpf=CPF,
        phone="(31) 3915-0101",
        email="outro-email@mg.test",
    )
    other_fp = focal_points.create(
        manager.institution,
        by=manager,
        purpose="painel",
        name="Outra Pessoa",
        cpf="111.444.777-35",
        phone="(31) 3915-0102",
        email="outra@mg.test",
    )
    category = forum.ensure_default_categories()[0]
    topic = forum.create_topic(
        category, by=member, title="Como enviar a meta 1.1?", body="Tenho uma dúvida sobre o envio."
    )
    forum.create_topic(category, by=manager, title="Tópico do gestor", body="Outro assunto.")
    notify(member, "forum.post", "Nova resposta no seu tópico.", "/forum")
    notify(manager, "forum.post", "Não é do membro.", "/forum")
    db.session.commit()
    login(member)

    response = client.get("/conta/meus-dados.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="meus-dados-') and disposition.endswith(
        '.json"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))

    profile = data["usuario"]
    assert profile["email"] == "membro@mg.test" and profile["cpf"] == CPF
    assert profile["telefone"] == "(31) 3915-0000" and profile["perfil"] == "partner_member"
    assert profile["criado_em"] and profile["ativado_em"] and profile["ultimo_acesso_em"]
    assert data["instituicao"]["sigla"] == "SCC/MG"
    assert [fp["id"] for fp in data["indicacoes_como_servidor"]] == [own_fp.id]
    assert other_fp.id not in {fp["id"] for fp in data["indicacoes_como_servidor"]}
    assert data["forum"]["total_de_mensagens"] == 1
    assert data["forum"]["mensagens"][0]["topico"] == "Como enviar a meta 1.1?"
    assert data["forum"]["mensagens"][0]["topico_id"] == topic.id
    assert [n["mensagem"] for n in data["notificacoes"]] == ["Nova resposta no seu tópico."]
    actions = [e["acao"] for e in data["registros_de_auditoria"]["itens"]]
    assert "auth.login" in actions and "forum.topic_created" in actions
    assert all(e["acao"] != "focal_point.created" for e in data["registros_de_auditoria"]["itens"])


def test_personal_data_export_is_audited(client, users, login, member):
    login(member)
    client.get("/conta/meus-dados.json")
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "user.personal_data_exported")
    ).one()
    assert event.actor_id == member.id and event.object_type == "User"
    assert event.object_id == member.id and event.institution_id == member.institution_id
    assert event.details["audit_events"] >= 1


def test_personal_data_export_lists_at_most_a_thousand_audit_events(client, login, member):
    db.session.add_all(
        AuditEvent(action="auth.login", actor_id=member.id, actor_email=member.email)
        for _ in range(1005)
    )
    db.session.commit()
    login(member)
    data = json.loads(client.get("/conta/meus-dados.json").get_data(as_text=True))
    assert len(data["registros_de_auditoria"]["itens"]) == 1000


def test_export_requires_login(client):
    response = client.get("/conta/meus-dados.json")
    assert response.status_code == 302 and "/login" in response.location


def test_account_page_keeps_the_cpf_masked_and_links_to_the_export(client, login, member):
    login(member)
    html = client.get("/conta").get_data(as_text=True)
    assert "***.982.247-**" in html and CPF not in html
    assert 'href="/conta/meus-dados.json"' in html and "Baixar meus dados (LGPD)" in html
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("%cpf_viewed"))
        )
        == 0
    )


# Every unmasked CPF shown is audited -----------------------------------------------------


def test_focal_point_list_audits_its_unmasked_cpfs_once_per_view(client, users, login):
    manager = users["partner_manager"]
    shown = [
        focal_points.create(
            manager.institution,
            by=manager,
            purpose=purpose,
            name=name,
            cpf=cpf,
            phone="(31) 3915-0101",
            email=f"{purpose}@mg.test",
        )
        for purpose, name, cpf in [
            ("acompanhamento", "Juliana Souza", CPF),
            ("multiplicador", "Mariana Lima", "390.533.447-05"),
        ]
    ]
    login(manager)
    html = client.get(f"/instituicoes/{manager.institution_id}/servidores").get_data(as_text=True)
    assert CPF in html and "390.533.447-05" in html
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "focal_point.cpf_viewed")
    ).one()
    assert (event.actor_id, event.institution_id, event.object_type, event.object_id) == (
        manager.id,
        manager.institution_id,
        "FocalPoint",
        None,
    )
    assert event.details == {"focal_points": [fp.id for fp in shown]}


def test_editing_a_user_shows_the_cpf_in_full_and_audits_it(client, users, login, member):
    login(users["partner_manager"])
    html = client.get(f"/usuarios/{member.id}/editar").get_data(as_text=True)
    assert 'value="52998224725"' in html
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "user.cpf_viewed")
    ).one()
    assert (event.actor_id, event.object_type, event.object_id) == (
        users["partner_manager"].id,
        "User",
        member.id,
    )
    assert event.institution_id == member.institution_id  # the manager's trail shows it


def test_editing_a_user_without_cpf_records_no_view(client, users, login):
    login(users["seges_admin"])
    client.get(f"/usuarios/{users['partner_member'].id}/editar")
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "user.cpf_viewed")
        )
        == 0
    )


def test_cpf_views_appear_in_the_trail_with_a_portuguese_label(client, users, login, member):
    login(users["seges_admin"])
    client.get(f"/usuarios/{member.id}/editar")
    html = client.get("/auditoria?acao=user.cpf_viewed").get_data(as_text=True)
    assert "CPF de usuário exibido" in html and "Usuário nº" in html


def test_every_recorded_action_has_a_label_in_the_trail():
    """The trail names each action in Portuguese: an action recorded anywhere in the code
    without a label would show its code to the reader."""
    recorded = set()
    for path in Path(__file__).parents[2].joinpath("portal").rglob("*.py"):
        recorded |= set(re.findall(r'audit\.record(?:_now)?\(\s*"([a-z_.]+)"', path.read_text()))
    assert recorded and not recorded - ACTION_LABELS.keys(), recorded - ACTION_LABELS.keys()
