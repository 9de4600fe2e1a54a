"""The header bell's minute poll and the e-mail preferences page."""

from portal.extensions import db
from portal.notifications.models import NotificationPreference
from portal.notifications.services import notify, preferences
from tests import factories


def _notify(user, message="Nova resposta."):
    notify(user, "forum.post", message, "/forum/")
    db.session.commit()


# The bell ---------------------------------------------------------------------------


def test_every_page_polls_the_bell_every_minute_with_the_count_it_shows(client, users, login):
    _notify(users["partner_member"])
    login(users["partner_member"])
    html = client.get("/notificacoes").get_data(as_text=True)
    assert 'hx-get="/notificacoes/sino?exibidas=1"' in html
    assert 'hx-trigger="every 60s"' in html and 'hx-swap="outerHTML"' in html
    # The polite live region, empty until a swap announces a change to screen readers.
    [region] = [e for e in factories.parse_html(html).iter()
                if e.attrs.get("id") == "portal-sino-aviso"]
    assert (region.attrs.get("aria-live"), region.text) == ("polite", "")
    assert "sr-only" in region.attrs.get("class", "").split()  # heard, not seen


def test_the_poll_answers_nothing_to_swap_while_the_count_is_unchanged(client, users, login):
    _notify(users["partner_member"])
    login(users["partner_member"])
    response = client.htmx("/notificacoes/sino?exibidas=1")
    assert response.status_code == 200 and response.get_data() == b""
    assert response.headers["HX-Reswap"] == "none"


def test_the_browser_keeps_the_unchanged_answer_and_the_next_poll_is_a_304(client, users,
                                                                            login):
    member = users["partner_member"]
    _notify(member)
    login(member)
    first = client.htmx("/notificacoes/sino?exibidas=1")
    assert first.status_code == 200 and first.headers["HX-Reswap"] == "none"
    assert first.headers["Cache-Control"] == "private, no-cache"  # kept, always revalidated
    etag = first.headers["ETag"]
    again = client.htmx("/notificacoes/sino?exibidas=1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and "Set-Cookie" not in again.headers
    _notify(member, "Outra resposta.")  # something new: the old tag no longer matches
    changed = client.htmx("/notificacoes/sino?exibidas=1", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Você tem 2 notificações não lidas." in changed.text
    assert changed.headers["Cache-Control"] == "no-store"  # never replayed from a cache


def test_another_users_tag_is_not_honoured(client, users, login):
    _notify(users["partner_member"])
    login(users["partner_member"])
    etag = client.htmx("/notificacoes/sino?exibidas=1").headers["ETag"]
    client.post("/logout")
    _notify(users["partner_manager"])
    login(users["partner_manager"])
    response = client.htmx("/notificacoes/sino?exibidas=1", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


def test_a_new_notification_swaps_the_bell_and_is_announced_once(client, users, login):
    member = users["partner_member"]
    _notify(member)
    login(member)
    _notify(member, "Outra resposta.")
    response = client.htmx("/notificacoes/sino?exibidas=1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-get="/notificacoes/sino?exibidas=2"' in html
    assert 'aria-label="Notificações: 2 não lidas"' in html
    assert 'hx-swap-oob="innerHTML">Você tem 2 notificações não lidas.</span>' in html
    client.post("/notificacoes/marcar-todas")
    html = client.htmx("/notificacoes/sino?exibidas=2").get_data(as_text=True)
    assert "Nenhuma notificação nova." in html and "portal-bell-count" not in html


def test_the_poll_does_not_keep_an_idle_session_alive(client, users, login):
    login(users["partner_member"])
    response = client.htmx("/notificacoes/sino?exibidas=5")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" in client.get("/notificacoes").headers  # an ordinary visit does


def test_the_poll_stops_quietly_once_logged_out(client):
    response = client.htmx("/notificacoes/sino?exibidas=3")
    html = response.get_data(as_text=True)
    assert response.status_code == 286 and "HX-Redirect" not in response.headers
    assert 'href="/notificacoes"' in html and "hx-get" not in html


def test_the_bell_url_without_htmx_opens_the_notifications_page(client, users, login):
    assert client.get("/notificacoes/sino").status_code == 302  # anonymous: to the login
    login(users["partner_member"])
    response = client.get("/notificacoes/sino")
    assert response.status_code == 302 and response.location.endswith("/notificacoes")


# Preferences ------------------------------------------------------------------------


def test_account_page_links_to_the_preferences(client, users, login):
    login(users["partner_member"])
    assert 'href="/conta/notificacoes"' in client.get("/conta").get_data(as_text=True)


def test_preferences_page_lists_the_kinds_of_the_users_role_with_defaults(
    client, users, login
):
    login(users["partner_member"])
    html = client.get("/conta/notificacoes").get_data(as_text=True)
    assert "<h1>Notificações por e-mail</h1>" in html
    assert "<legend>Entrega devolvida pela SEGES</legend>" in html
    assert "Envios aguardando análise" not in html  # SEGES only
    assert '<input checked id="k_submission_returned-0" name="k_submission_returned" ' \
           'required type="radio" value="immediate">' in html
    assert '<label for="k_submission_returned-0">Na hora</label>' in html
    fragment = client.htmx("/conta/notificacoes").get_data(as_text=True)
    assert "<html" not in fragment and 'id="preferencias-email"' in fragment
    client.post("/logout")
    login(users["seges_reviewer"])
    html = client.get("/conta/notificacoes").get_data(as_text=True)
    assert "Envios aguardando análise além do prazo" in html
    assert "Acesso ao Painel Gerencial concedido" not in html


def test_saving_preferences_redirects_and_keeps_the_choices(client, users, login):
    member = users["partner_member"]
    login(member)
    choices = {f"k_{code.replace('.', '__')}": delivery
               for code, delivery in preferences(member).items()}
    choices.update(k_submission_returned="digest", k_forum__post="off")
    response = client.post("/conta/notificacoes", data=choices)
    assert response.status_code == 302 and response.location.endswith("/conta/notificacoes")
    assert preferences(member)["submission_returned"] == "digest"
    assert preferences(member)["forum.post"] == "off"
    assert db.session.scalar(db.select(db.func.count()).select_from(NotificationPreference)) == 2
    html = client.get("/conta/notificacoes").get_data(as_text=True)
    assert "Preferências de e-mail salvas." in html
    assert '<input checked id="k_submission_returned-1"' in html


def test_saving_through_htmx_returns_the_form_with_a_toast(client, users, login):
    member = users["partner_member"]
    login(member)
    choices = {f"k_{code.replace('.', '__')}": "off" for code in preferences(member)}
    response = client.htmx("/conta/notificacoes", method="POST", data=choices)
    assert response.status_code == 200 and "portal:toast" in response.headers["HX-Trigger"]
    assert 'id="preferencias-email"' in response.get_data(as_text=True)
    assert set(preferences(member).values()) == {"off"}


def test_an_invalid_choice_is_refused_with_422(client, users, login):
    member = users["partner_member"]
    login(member)
    response = client.post("/conta/notificacoes", data={"k_submission_returned": "sempre"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in html
    assert preferences(member)["submission_returned"] == "immediate"
    assert client.htmx("/conta/notificacoes", method="POST",
                       data={"k_submission_returned": "sempre"}).status_code == 422


def test_preferences_need_login_and_a_csrf_token(client, users, login):
    assert client.get("/conta/notificacoes").status_code == 302
    login(users["partner_member"])
    response = client.post("/conta/notificacoes", data={"k_forum__post": "off"}, csrf=False)
    assert response.status_code == 400
    assert preferences(users["partner_member"])["forum.post"] == "digest"
