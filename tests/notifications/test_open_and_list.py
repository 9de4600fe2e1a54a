"""Opening a notification marks it read and goes to what it is about; the list is readable
(title, time, what it is about, unread said in words), paginated, and marks one or all as read
in place with htmx (issue 17, point 8)."""

import json
import re

import pytest

from portal.extensions import db
from portal.notifications import services
from portal.notifications.models import Notification
from portal.notifications.services import notify, unread_count


def _notify(user, url="/forum/", kind="forum.mention", message="Ana mencionou você em “Prazos”."):
    notification = notify(user, kind, message, url)
    db.session.commit()
    return notification


def _read_at(notification):
    return db.session.get(Notification, notification.id).read_at


def _text(response) -> str:
    return response.get_data(as_text=True)


def _toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["portal:toast"]["message"]


# Services --------------------------------------------------------------------------------------


def test_opening_marks_read_and_answers_the_notifications_own_path(app, users):
    notification = _notify(users["partner_member"], url="/entregas/7?aba=envios#historico")
    assert services.open_notification(notification) == "/entregas/7?aba=envios#historico"
    assert notification.read_at is not None
    first_read = notification.read_at
    services.open_notification(notification)  # opening again keeps the first reading time
    assert notification.read_at == first_read


@pytest.mark.parametrize("url", [
    None, "", "https://golpe.example/entregas/1", "//golpe.example/x", "/\\golpe.example",
    "/\t/golpe.example", "/\n/golpe.example", "javascript:alert(1)", "entregas/1",
    "http:/golpe.example",
])
def test_a_url_that_is_not_a_path_of_the_portal_leads_nowhere(app, users, url):
    notification = Notification(user_id=users["partner_member"].id, kind="forum.post",
                                message="x", url=url)
    assert services.target(notification) is None


@pytest.mark.parametrize(("url", "label"), [
    ("/entregas/12", "Entrega"),
    ("/forum/topicos/3#mensagem-9", "Tópico do fórum"),
    ("/eventos/4", "Evento"),
    ("/acordos/2", "Acordo"),
    ("/analise", "Fila de análise"),
    ("/servidores/painel", "Pedidos de acesso ao Painel Gerencial"),
    ("/forum/", "Fórum"),
    ("/nao-existe", "Página do portal"),
    (None, None),
])
def test_the_list_names_what_a_notification_is_about(app, users, url, label):
    notification = Notification(user_id=users["partner_member"].id, kind="forum.post",
                                message="x", url=url)
    with app.test_request_context("/notificacoes"):
        assert services.object_label(notification) == label


def test_the_title_is_the_kind_of_notification(app, users):
    member = users["partner_member"]
    returned = Notification(user_id=member.id, kind="submission_returned", message="x")
    forum = Notification(user_id=member.id, kind="forum.post", message="x")
    gone = Notification(user_id=member.id, kind="kind.that.no.longer.exists", message="x")
    assert services.title(returned) == "Entrega devolvida pela SEGES"
    assert services.title(forum) == "Novidade no fórum"
    assert services.title(gone) == "Notificação"


# Opening ------------------------------------------------------------------------------------


def test_opening_from_the_list_marks_read_and_goes_to_the_object(client, users, login):
    member = users["partner_member"]
    notification = _notify(member, url="/forum/")
    login(member)
    response = client.post(f"/notificacoes/{notification.id}/abrir")
    assert response.status_code == 303 and response.location == "/forum/"
    assert _read_at(notification) is not None
    assert unread_count(member) == 0
    landed = client.get(response.location)
    assert landed.status_code == 200 and "Notificações: nenhuma nova" in _text(landed)


def test_opening_by_htmx_loads_the_object_as_a_page(client, users, login):
    notification = _notify(users["partner_member"], url="/forum/")
    login(users["partner_member"])
    response = client.htmx(f"/notificacoes/{notification.id}/abrir", method="POST")
    assert response.headers["HX-Redirect"] == "/forum/"
    assert _read_at(notification) is not None


def test_a_notification_leading_nowhere_is_marked_read_and_stays_on_the_list(
    client, users, login
):
    notification = _notify(users["partner_member"], url="https://golpe.example/")
    login(users["partner_member"])
    response = client.post(f"/notificacoes/{notification.id}/abrir")
    assert response.status_code == 302 and response.location == "/notificacoes"
    assert _read_at(notification) is not None
    assert "Ela não leva a outra página." in _text(client.get("/notificacoes"))


@pytest.mark.parametrize("path", ["abrir", "lida"])
def test_nobody_opens_or_marks_someone_elses_notification(client, users, login, path):
    notification = _notify(users["partner_member"])
    for other in ("partner_manager", "seges_admin"):
        login(users[other])
        response = client.post(f"/notificacoes/{notification.id}/{path}")
        assert response.status_code == 403
        assert "golpe" not in (response.location or "")
        client.post("/logout")
    assert _read_at(notification) is None


@pytest.mark.parametrize("path", ["abrir", "lida"])
def test_an_unknown_notification_is_404(client, users, login, path):
    login(users["partner_member"])
    assert client.post(f"/notificacoes/999999/{path}").status_code == 404


@pytest.mark.parametrize("path", ["abrir", "lida"])
def test_opening_or_marking_needs_the_csrf_token(client, users, login, path):
    notification = _notify(users["partner_member"])
    login(users["partner_member"])
    assert client.post(f"/notificacoes/{notification.id}/{path}", csrf=False).status_code == 400
    assert _read_at(notification) is None


def test_opening_cannot_be_done_by_a_link(client, users, login):
    notification = _notify(users["partner_member"])
    login(users["partner_member"])
    assert client.get(f"/notificacoes/{notification.id}/abrir").status_code == 405
    assert _read_at(notification) is None


def test_anonymous_opening_is_sent_to_the_login(client, users):
    notification = _notify(users["partner_member"])
    response = client.post(f"/notificacoes/{notification.id}/abrir")
    assert response.status_code == 302 and "/login" in response.location
    assert _read_at(notification) is None


# The list -----------------------------------------------------------------------------------


def test_the_list_shows_title_message_time_object_and_unread_in_words(client, users, login):
    member = users["partner_member"]
    unread = _notify(member, url="/entregas/5", kind="submission_returned",
                     message="A SEGES devolveu a meta 1.2 (1º ano): falta a portaria.")
    read = _notify(member, url="/forum/topicos/1", kind="forum.post", message="Rui respondeu.")
    services.mark_read(read)
    db.session.commit()
    login(member)
    body = _text(client.get("/notificacoes"))
    start, end = (body.index(f'id="notificacao-{n.id}"') for n in (unread, read))
    item = body[start:end]
    assert 'class="notification notification-unread"' in item
    assert "Não lida" in item and "Entrega devolvida pela SEGES" in item
    assert "A SEGES devolveu a meta 1.2 (1º ano): falta a portaria." in item
    assert "Objeto: Entrega" in item and "Recebida em <time datetime=" in item
    assert f'action="/notificacoes/{unread.id}/abrir"' in item and 'name="csrf_token"' in item
    assert f'hx-post="/notificacoes/{unread.id}/lida"' in item
    read_item = body[body.index(f'id="notificacao-{read.id}"'):]
    read_item = read_item[:read_item.index("</li>")]
    assert "Não lida" not in read_item and "Lida em" in read_item
    assert "Objeto: Tópico do fórum" in read_item and "Marcar como lida" not in read_item
    assert "bundles/portal.css" in body  # its styles: notifications.css is in the bundle


def test_the_list_is_paginated(app, client, users, login):
    app.config["ITEMS_PER_PAGE"] = 2
    member = users["partner_member"]
    for number in range(3):
        _notify(member, message=f"Aviso número {number}")
    login(member)
    first = _text(client.get("/notificacoes"))
    assert first.count('class="notification ') == 2
    assert 'href="/notificacoes?page=2"' in first and "Página 1 de 2 · 3 notificações" in first
    second = _text(client.get("/notificacoes?page=2"))
    assert second.count('class="notification ') == 1
    assert 'action="/notificacoes/marcar-todas?page=2"' in second


def test_the_list_is_a_page_and_a_fragment(client, users, login):
    _notify(users["partner_member"])
    login(users["partner_member"])
    fragment = client.htmx("/notificacoes")
    assert "<html" not in _text(fragment) and 'id="lista-notificacoes"' in _text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]


def test_an_empty_list_says_so_and_keeps_the_region_mark_all_swaps(client, users, login):
    login(users["partner_member"])
    body = _text(client.get("/notificacoes"))
    assert "Você não tem notificações." in body and 'id="itens-notificacoes"' in body


# Marking as read, on the page and by htmx --------------------------------------------------


def test_marking_one_by_htmx_swaps_that_item_and_the_bell(client, users, login):
    member = users["partner_member"]
    first, _second = _notify(member), _notify(member)
    login(member)
    response = client.htmx(f"/notificacoes/{first.id}/lida", method="POST")
    body = _text(response)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<li id="notificacao-{first.id}"')
    assert "Não lida" not in body and "Lida em" in body
    assert "autofocus" in body  # the keyboard focus stays on this item
    bell = re.search(r'<span id="portal-sino"[^>]*>', body).group(0)
    assert 'hx-swap-oob="outerHTML"' in bell and "exibidas=1" in bell
    assert _toast(response) == "Notificação marcada como lida."
    assert unread_count(member) == 1


def test_marking_one_without_javascript_returns_to_the_same_page(client, users, login):
    notification = _notify(users["partner_member"])
    login(users["partner_member"])
    response = client.post(f"/notificacoes/{notification.id}/lida?page=2")
    assert response.status_code == 302 and response.location == "/notificacoes?page=2"
    assert _read_at(notification) is not None


def test_mark_all_by_htmx_swaps_the_pages_items_and_the_bell(client, users, login):
    member = users["partner_member"]
    _notify(member), _notify(member)
    login(member)
    response = client.htmx("/notificacoes/marcar-todas", method="POST")
    body = _text(response)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="itens-notificacoes">')
    assert "Não lida" not in body and body.count("Lida em") == 2
    assert re.search(r'<span id="portal-sino" [^>]*hx-swap-oob="outerHTML"[^>]*exibidas=0', body)
    assert _toast(response) == "Todas as notificações foram marcadas como lidas."
    assert unread_count(member) == 0
    again = client.htmx("/notificacoes/marcar-todas", method="POST")
    assert _toast(again) == "Não havia notificações não lidas."


def test_mark_all_on_the_page_without_javascript(client, users, login):
    member = users["partner_member"]
    _notify(member)
    login(member)
    page = _text(client.get("/notificacoes"))
    assert 'hx-post="/notificacoes/marcar-todas"' in page
    assert 'hx-target="#itens-notificacoes"' in page
    response = client.post("/notificacoes/marcar-todas", follow_redirects=True)
    assert "Todas as notificações foram marcadas como lidas." in _text(response)
    assert unread_count(member) == 0


def test_mark_all_leaves_other_users_notifications_alone(client, users, login):
    mine, theirs = _notify(users["partner_member"]), _notify(users["partner_manager"])
    login(users["partner_member"])
    client.htmx("/notificacoes/marcar-todas", method="POST")
    assert _read_at(mine) is not None and _read_at(theirs) is None
