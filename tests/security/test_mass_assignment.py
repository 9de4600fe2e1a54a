"""Mass assignment: fields a form does not have change nothing.

First systematically: every POST route is sent its own form filled as a person would, plus
every sensitive field the form does not have (``institution_id``, ``role``, ``status``,
``reviewer_id``, ``author_id``, ``version``, ``submitted_at``...) set to values that nothing
legitimate produces (a canary institution and user, "approved", 99, 2001-01-01...). Every row
the request added or changed is then searched for those values. Then focused tests on the
forms where a slip would matter most.
"""

import pytest

from portal.auth.models import User
from portal.deliverables.models import Deliverable, Review, Submission
from portal.extensions import db
from portal.forum.models import Post, Topic
from tests import factories
from tests.factories import deliverable_of, topic

CANARY_INSTITUTION, CANARY_USER, CANARY_ID = 900_001, 900_002, 900_003
INSTITUTION_COLUMNS = {"institution_id", "partner_id", "parent_id"}
USER_COLUMNS = {
    "user_id", "author_id", "reviewer_id", "created_by_id", "submitted_by_id", "uploaded_by_id",
    "actor_id", "hidden_by_id", "resolved_by_id", "reporter_id", "edited_by_id",
    "confirmed_by_id", "access_granted_by_id", "ended_by_id", "last_poster_id",
}
EXTRA = {
    **dict.fromkeys(INSTITUTION_COLUMNS | {"institution"}, str(CANARY_INSTITUTION)),
    **dict.fromkeys(USER_COLUMNS | {"owner_id", "reviewer"}, str(CANARY_USER)),
    "id": str(CANARY_ID),
    "role": "seges_admin",
    "status": "approved",
    "is_secretariat": "1",
    "is_admin": "1",
    "active": "0",
    "version": "99",
    "session_version": "99",
    "edit_count": "99",
    "post_count": "99",
    "topic_count": "99",
    "submitted_at": "2001-01-01T00:00:00",
    "created_at": "2001-01-01T00:00:00",
    "activated_at": "2001-01-01T00:00:00",
    "sha256": "f" * 64,
    "stored_name": "../../../etc/passwd",
    "password_hash": "x",
    "email": "intruso@canario.test",
}


# What a route changes by design, whatever is posted (not a field set from the request).
BY_DESIGN = {
    "auth.deactivate_user": {"active"},
    "deliverables.decide": {"status"},  # the form's "decision" approves (or returns)
    # recording attendance completes SEGES's own side of a joint meeting (lifecycle)
    "events.record_attendance": {"status"},
    # the gov.br levels page keeps one row per role (its key is the role's name)
    "auth.govbr.settings": {"role"},
}


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


def _violations(before: dict, after: dict, posted: set[str]) -> list[str]:
    found = []
    for table, key, old, row in changed_rows(before, after):
        def changed(column, old=old, row=row):
            return column in row and (old is None or old.get(column) != row[column])

        def hit(column, reason, table=table, key=key, row=row):
            found.append(f"{table}{list(key)}.{column} = {row[column]!r} ({reason})")

        if table == "audit_events":
            continue  # the trail records what was asked, in details
        for column in row:
            value = row[column]
            if column in INSTITUTION_COLUMNS and value == CANARY_INSTITUTION and changed(column):
                hit(column, "canary institution")
            if column in USER_COLUMNS and value == CANARY_USER and changed(column):
                hit(column, "canary user")
        if CANARY_ID in key:
            hit(next(iter(row)), "canary id")
        checks = {
            "role": lambda v: v == "seges_admin",
            "status": lambda v: v == "approved",
            "is_secretariat": lambda v: v is True,
            "version": lambda v: v == 99,
            "session_version": lambda v: v == 99,
            "edit_count": lambda v: v == 99,
            "post_count": lambda v: v == 99,
            "topic_count": lambda v: v == 99,
            "submitted_at": lambda v: v is not None and v.year == 2001,
            "created_at": lambda v: v is not None and v.year == 2001,
            "activated_at": lambda v: v is not None and v.year == 2001,
            "sha256": lambda v: v == "f" * 64,
            "stored_name": lambda v: v is not None and ".." in v,
            "password_hash": lambda v: v == "x",
            "email": lambda v: v == "intruso@canario.test",
        }
        for column, bad in checks.items():
            if column not in posted and changed(column) and bad(row[column]):
                hit(column, "set from a field the form does not have")
        if (
            table == "users"
            and "active" not in posted
            and old is not None
            and old["active"]
            and not row["active"]
        ):
            hit("active", "deactivated by an extra field")
    return found


@pytest.fixture
def canaries(seges):
    institution = factories.institution(
        id=CANARY_INSTITUTION, name="Instituição Canário", uf="RS", acronym="CANARIO"
    )
    factories.user("canario@canario.test", "partner_manager", institution, id=CANARY_USER)


def test_extra_fields_change_nothing_on_any_state_changing_route(
    app, client, users, login, objects, forms, canaries, generous_limits, signed_in
):
    checked, applied, violations = 0, 0, []
    for endpoint in factories.routes_accepting(factories.UNSAFE_METHODS):
        for form in [f for f in forms.get(endpoint, []) if f.method == "POST"][:1]:
            signed_in.be(form.role)
            data = form.plausible()
            extras = {k: v for k, v in EXTRA.items() if k not in form.fields}
            path = form.action + (f"?{form.query}" if form.query else "")
            before = snapshot()
            response = client.post(path, data={**data, **extras})
            after = snapshot()
            checked += 1
            if response.status_code in (200, 302) and before != after:
                applied += 1
            allowed = set(data) | BY_DESIGN.get(endpoint, set())
            violations += [f"{endpoint}: {v}" for v in _violations(before, after, allowed)]
    assert not violations, "\n".join(violations)
    assert checked >= 55
    assert applied >= 30, "most forms must succeed, or the check proves little"


# Focused ----------------------------------------------------------------------------------


def test_manager_invite_ignores_institution_and_refuses_seges_roles(client, users, login):
    login(users["partner_manager"])
    mg, es = users["partner_manager"].institution_id, users["other_manager"].institution_id
    response = client.post(
        f"/instituicoes/{mg}/usuarios/convidar",
        data={"name": "Nova Pessoa", "email": "nova@mg.test", "role": "partner_member",
              "institution_id": es, "active": "1", "session_version": "7",
              "password_hash": "x", "activated_at": "2001-01-01"},
    )
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "nova@mg.test"))
    assert (user.institution_id, user.role) == (mg, "partner_member")
    assert user.password_hash is None and user.activated_at is None  # pending activation
    assert user.session_version != 7
    response = client.post(
        f"/instituicoes/{es}/usuarios/convidar",
        data={"name": "Outra", "email": "outra@es.test", "role": "partner_member"},
    )
    assert response.status_code == 403


def test_admin_cannot_give_a_partner_institution_a_seges_role(client, users, login):
    login(users["seges_admin"])
    member = users["partner_member"]
    response = client.post(
        f"/usuarios/{member.id}/editar",
        data={"name": member.name, "cpf": "", "phone": "", "role": "seges_admin"},
    )
    assert response.status_code == 422
    mg = users["partner_manager"].institution_id
    response = client.post(
        f"/instituicoes/{mg}/usuarios/convidar",
        data={"name": "Quase Admin", "email": "quase@mg.test", "role": "seges_reviewer"},
    )
    assert response.status_code == 422
    assert db.session.get(User, member.id).role == "partner_member"
    assert db.session.scalar(db.select(User).where(User.email == "quase@mg.test")) is None


def test_manager_cannot_promote_themselves_or_move_a_member(client, users, login):
    manager, member = users["partner_manager"], users["partner_member"]
    login(manager)
    response = client.post(
        f"/usuarios/{manager.id}/editar",
        data={"name": "Gestor", "cpf": "", "phone": "", "role": "seges_admin"},
    )
    assert response.status_code == 422
    client.post(
        f"/usuarios/{member.id}/editar",
        data={"name": "Membro", "cpf": "", "phone": "", "role": "partner_member",
              "institution_id": users["other_manager"].institution_id},
    )
    assert db.session.get(User, manager.id).role == "partner_manager"
    assert db.session.get(User, member.id).institution_id == manager.institution_id


def test_account_pages_take_no_profile_fields(client, users, login):
    member = users["partner_member"]
    login(member)
    assert client.post("/conta", data={"role": "seges_admin"}).status_code == 405
    client.post(
        "/conta/senha",
        data={"current_password": factories.PASSWORD, "new_password": "uma-senha-nova-longa-9",
              "confirm": "uma-senha-nova-longa-9", "email": "outro@x.test",
              "role": "seges_admin", "institution_id": users["other_manager"].institution_id,
              "active": "0", "name": "Outro Nome"},
    )
    user = db.session.get(User, member.id)
    assert (user.email, user.role, user.institution_id, user.active, user.name) == (
        member.email, "partner_member", member.institution_id, True, member.name)


def test_draft_cannot_set_status_institution_version_or_author(client, users, login, act):
    member = users["partner_member"]
    painel = deliverable_of(act, "1.2", member.institution_id)
    login(member)
    response = client.post(
        f"/entregas/{painel.id}/rascunho",
        data={"report": "Relato.", "covers_from": "", "covers_to": "",
              "status": "approved", "institution_id": users["other_manager"].institution_id,
              "goal_id": "1", "version": "7", "author_id": users["seges_admin"].id,
              "submitted_at": "2001-01-01", "submitted_by_id": users["seges_admin"].id,
              "deliverable_id": "1"},
    )
    assert response.status_code == 302
    deliverable = db.session.get(Deliverable, painel.id)
    assert (deliverable.status, deliverable.institution_id, deliverable.goal_id) == (
        "draft", member.institution_id, painel.goal_id)
    [draft] = db.session.scalars(
        db.select(Submission).where(Submission.deliverable_id == painel.id)).all()
    assert (draft.version, draft.status, draft.author_id, draft.submitted_at) == (
        1, "draft", member.id, None)


def test_forum_posts_cannot_set_author_acceptance_or_moderation(client, users, login):
    question = topic(users["partner_member"])
    login(users["partner_manager"])
    flags = {"author_id": users["seges_admin"].id, "accepted": "1", "hidden": "1",
             "pinned": "1", "locked": "1", "solved": "1", "topic_id": "999", "number": "1"}
    client.post(f"/forum/topicos/{question.id}/responder", data={"body": "Minha resposta", **flags})
    reply = db.session.scalar(db.select(Post).where(Post.body == "Minha resposta"))
    assert reply.author_id == users["partner_manager"].id
    assert (reply.accepted, reply.hidden, reply.topic_id, reply.number) == (
        False, False, question.id, 2)
    category = question.category_id
    client.post(
        f"/forum/categorias/{category}/novo-topico",
        data={"title": "Tópico com extras", "body": "Texto", "goal_id": "", **flags},
    )
    created = db.session.scalar(db.select(Topic).where(Topic.title == "Tópico com extras"))
    assert created.author_id == users["partner_manager"].id
    assert (created.pinned, created.locked, created.solved) == (False, False, False)
    assert db.session.get(Topic, question.id).solved is False


def test_review_decision_cannot_set_the_reviewer_or_another_submission(
    client, users, login, act
):
    member = users["partner_member"]
    painel = deliverable_of(act, "1.2", member.institution_id)
    submission = factories.submitted(painel, member, "Relato.")
    other = deliverable_of(act, "3.1", member.institution_id)
    other_submission = factories.submitted(other, member, "Outro.")
    login(users["seges_reviewer"])
    response = client.post(
        f"/analise/{painel.id}/decisao",
        data={"submission_id": other_submission.id, "decision": "approved", "comment": ""},
    )
    assert response.status_code == 404
    response = client.post(
        f"/analise/{painel.id}/decisao",
        data={"submission_id": submission.id, "decision": "approved", "comment": "Ok",
              "reviewer_id": users["seges_admin"].id, "created_at": "2001-01-01",
              "status": "returned", "version": "5"},
    )
    assert response.status_code == 302
    review = db.session.scalar(db.select(Review).where(Review.submission_id == submission.id))
    assert review.reviewer_id == users["seges_reviewer"].id and review.decision == "approved"
    assert review.created_at.year != 2001
    assert db.session.get(Submission, submission.id).version == 1
    assert db.session.get(Deliverable, other.id).status == "submitted"
