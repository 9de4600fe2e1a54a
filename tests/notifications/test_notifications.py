"""In-app notifications: the list, the menu count and marking as read."""

from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import notify, unread_count


def _notify(user, message="Nova resposta em “Prazos”."):
    notification = notify(user, "forum.post", message, "/forum/")
    db.session.commit()
    return notification


def test_user_sees_own_notifications_and_the_unread_count_in_the_menu(client, users, login):
    _notify(users["partner_member"])
    _notify(users["partner_manager"], "Só para a gestora")
    login(users["partner_member"])
    html = client.get("/notificacoes").get_data(as_text=True)
    assert "Nova resposta em “Prazos”." in html and "Só para a gestora" not in html
    assert "Notificações: 1 não lida" in html and "portal-bell-count" in html
    fragment = client.htmx("/notificacoes").get_data(as_text=True)
    assert "<html" not in fragment and 'id="lista-notificacoes"' in fragment


def test_mark_one_and_all_as_read(client, users, login):
    member = users["partner_member"]
    first, _second = _notify(member), _notify(member)
    login(member)
    assert client.post(f"/notificacoes/{first.id}/lida").status_code == 302
    assert unread_count(member) == 1
    assert client.post("/notificacoes/marcar-todas").status_code == 302
    assert unread_count(member) == 0


def test_nobody_marks_someone_elses_notification(client, users, login):
    notification = _notify(users["partner_member"])
    login(users["partner_manager"])
    assert client.post(f"/notificacoes/{notification.id}/lida").status_code == 403
    assert db.session.get(Notification, notification.id).read_at is None


def test_marking_without_csrf_token_is_refused(client, users, login):
    _notify(users["partner_member"])
    login(users["partner_member"])
    assert client.post("/notificacoes/marcar-todas", csrf=False).status_code == 400
    assert unread_count(users["partner_member"]) == 1
