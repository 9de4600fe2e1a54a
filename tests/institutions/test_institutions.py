"""Institutions: SEGES admins create and edit; partners see only their own (and adherents)."""

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.institutions.models import Institution
from tests import factories

VALID = {
    "name": "Prefeitura de Betim",
    "acronym": "PMB",
    "cnpj": "18.715.383/0001-40",
    "sphere": "municipal",
    "uf": "MG",
    "elo": "Municípios",
    "parent_cnpj": "",
}


def test_admin_creates_an_institution_and_it_is_audited(client, users, login):
    login(users["seges_admin"])
    response = client.post("/instituicoes/nova", data=VALID)
    assert response.status_code == 302
    created = db.session.scalar(db.select(Institution).where(Institution.acronym == "PMB"))
    assert created.cnpj == "18715383000140" and created.layer == 1
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "institution.created")
    )
    assert event.object_id == created.id and event.actor_id == users["seges_admin"].id


def test_invalid_cnpj_is_422_and_keeps_the_other_fields(client, users, login):
    login(users["seges_admin"])
    response = client.post("/instituicoes/nova", data={**VALID, "cnpj": "18.715.383/0001-41"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "CNPJ inválido" in body and 'value="Prefeitura de Betim"' in body


def test_duplicate_cnpj_is_refused(client, users, login):
    login(users["seges_admin"])
    response = client.post("/instituicoes/nova", data={**VALID, "cnpj": "50.941.185/0001-07"})
    assert response.status_code == 422
    assert "Já existe uma instituição com este CNPJ." in response.get_data(as_text=True)


def test_second_layer_institution_points_to_its_parent(client, users, login):
    login(users["seges_admin"])
    client.post("/instituicoes/nova", data={**VALID, "parent_cnpj": "50.941.185/0001-07"})
    created = db.session.scalar(db.select(Institution).where(Institution.acronym == "PMB"))
    assert created.parent_id == users["partner_manager"].institution_id and created.layer == 2


def test_parent_must_exist(client, users, login):
    login(users["seges_admin"])
    response = client.post(
        "/instituicoes/nova", data={**VALID, "parent_cnpj": "11.222.333/0001-81"}
    )
    assert response.status_code == 422
    assert "Nenhuma instituição cadastrada com este CNPJ." in response.get_data(as_text=True)


def test_admin_edits_an_institution(client, users, login):
    login(users["seges_admin"])
    mg = users["partner_manager"].institution
    form = client.get(f"/instituicoes/{mg.id}/editar").get_data(as_text=True)
    assert 'value="50.941.185/0001-07"' in form
    response = client.post(
        f"/instituicoes/{mg.id}/editar",
        data={
            **VALID,
            "name": "Governo de MG (SCC)",
            "cnpj": "50.941.185/0001-07",
            "sphere": "estadual",
            "elo": "Estados",
        },
    )
    assert response.status_code == 302
    assert db.session.get(Institution, mg.id).name == "Governo de MG (SCC)"


def test_list_filters_and_paginates(app, client, users, login):
    for i in range(5):
        factories.institution(name=f"Município {i}", sphere="municipal", uf="BA", elo="Municípios")
    app.config["ITEMS_PER_PAGE"] = 3
    login(users["seges_reviewer"])
    body = client.get("/instituicoes?uf=BA").get_data(as_text=True)
    assert "Página 1 de 2" in body and "Município" in body and "Governo de Minas" not in body
    fragment = client.htmx("/instituicoes?q=50941185").get_data(as_text=True)
    assert "Governo de Minas Gerais" in fragment and "<html" not in fragment


def test_partner_sees_own_institution_and_adherents_but_not_others(client, users, login):
    mg = users["partner_manager"].institution
    adherent = factories.institution(
        name="Contagem", sphere="municipal", elo="Municípios", parent_id=mg.id
    )
    es = users["other_manager"].institution
    login(users["partner_manager"])
    assert client.get(f"/instituicoes/{mg.id}").status_code == 200
    assert client.get(f"/instituicoes/{adherent.id}").status_code == 200
    assert client.get(f"/instituicoes/{es.id}").status_code == 403
    assert client.get("/instituicoes").status_code == 403


def test_espirito_santo_cannot_see_or_change_anything_of_minas_gerais(client, users, login):
    mg = users["partner_manager"].institution
    member = users["partner_member"]
    login(users["other_manager"])
    assert client.get(f"/instituicoes/{mg.id}").status_code == 403
    assert client.htmx(f"/instituicoes/{mg.id}").status_code == 403
    assert client.post(f"/instituicoes/{mg.id}/editar", data=VALID).status_code == 403
    assert client.get(f"/instituicoes/{mg.id}/usuarios/convidar").status_code == 403
    assert client.post(f"/usuarios/{member.id}/desativar").status_code == 403
    assert client.post(f"/usuarios/{member.id}/editar", data={"name": "x"}).status_code == 403
    assert client.post(f"/usuarios/{member.id}/reenviar-convite").status_code == 403
    assert "membro@mg.test" not in client.get("/usuarios?q=membro").get_data(as_text=True)
    assert db.session.get(Institution, mg.id).name == "Governo de Minas Gerais"


def test_partner_cannot_create_institutions(client, users, login):
    login(users["partner_manager"])
    assert client.post("/instituicoes/nova", data=VALID).status_code == 403


def test_an_institution_with_adherents_cannot_become_an_adherent(client, users, login):
    mg = users["partner_manager"].institution
    factories.institution(name="Contagem", sphere="municipal", elo="Municípios", parent_id=mg.id)
    login(users["seges_admin"])
    response = client.post(f"/instituicoes/{mg.id}/editar", data={
        **VALID, "name": mg.name, "cnpj": "50.941.185/0001-07", "sphere": "estadual",
        "elo": "Estados", "parent_cnpj": "27.080.530/0001-43"})
    assert response.status_code == 422
    assert "a Rede tem só duas camadas" in response.get_data(as_text=True)
    assert db.session.get(Institution, mg.id).parent_id is None


def test_search_treats_percent_and_underscore_literally(client, users, login):
    factories.institution(name="Fundo 100% Municipal", sphere="municipal", elo="Municípios")
    login(users["seges_admin"])
    body = client.htmx("/instituicoes?q=100%25").get_data(as_text=True)
    assert "Fundo 100% Municipal" in body and "Minas Gerais" not in body
    assert "Nenhuma instituição" in client.htmx("/instituicoes?q=_").get_data(as_text=True)
