"""The ``portal`` command, the demo data and the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.core.validators import is_valid_nup, only_digits
from portal.dev.demo import USERS
from portal.extensions import db
from portal.institutions.models import Institution

DEMO_PASSWORD = "demonstracao-segura"


def test_demo_creates_the_six_logins_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    db.session.rollback()  # what the command committed, not what it left in the session
    second = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert second.exit_code == 0 and "já existia" in second.output
    db.session.rollback()
    emails = set(db.session.scalars(db.select(User.email)))
    assert emails == {email for email, *_ in USERS}
    assert db.session.scalar(db.select(db.func.count(Institution.id))) == 4
    roles = {u.email: u.role for u in db.session.scalars(db.select(User))}
    assert roles["admin@seges.exemplo.gov.br"] == "seges_admin"
    assert roles["gestor@contagem.exemplo.gov.br"] == "partner_manager"
    contagem = db.session.scalar(db.select(Institution).where(Institution.acronym == "PMC"))
    assert contagem.parent.cnpj == "50941185000107"


def test_demo_if_empty_does_nothing_on_a_populated_database(app, users):
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0 and "não carregada" in result.output
    assert db.session.scalar(db.select(User).where(User.email.like("%exemplo%"))) is None


def test_every_demo_login_works_through_the_login_form(app, client):
    app.test_cli_runner().invoke(args=["demo", "--password", DEMO_PASSWORD])
    for email, *_ in USERS:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")


def test_users_commands_create_deactivate_and_set_password(app, seges):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "nova@seges.test",
            "--name",
            "Nova",
            "--role",
            "seges_reviewer",
            "--institution",
            "00.489.828/0001-55",
            "--password",
            "uma senha segura",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["users", "set-password", "nova@seges.test", "--password", "outra senha segura"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "set-password", "nova@seges.test", "--password", "123"])
    assert result.exit_code != 0 and "pelo menos 10" in result.output
    result = runner.invoke(args=["users", "deactivate", "nova@seges.test"])
    assert result.exit_code == 0
    assert not db.session.scalar(db.select(User).where(User.email == "nova@seges.test")).active
    result = runner.invoke(args=["users", "deactivate", "ninguem@x.test"])
    assert result.exit_code != 0 and "Nenhum usuário" in result.output


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    # The forum's full-text index (FTS5 table and its shadow tables, or the tsvector table)
    # is managed by portal/forum/search.py, not by a model.
    differences = [d for d in differences if not _table_name(d).startswith("forum_search")]
    assert differences == []


def _table_name(difference) -> str:
    obj = difference[1]
    table = getattr(obj, "table", obj)
    return getattr(table, "name", "") or ""


def test_demo_agreements_have_their_own_sei_process_and_signature_date(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    by_number = {a.number: a for a in db.session.scalars(db.select(Agreement)) if a.number}
    mg, es = by_number["160/2025"], by_number["161/2025"]
    assert is_valid_nup(mg.sei_process) and is_valid_nup(es.sei_process)
    assert only_digits(mg.sei_process) != only_digits(es.sei_process)
    assert mg.signed_on and es.signed_on and mg.signed_on != es.signed_on
    assert es.signed_on <= es.term_start
    contagem = db.session.scalar(db.select(Agreement).where(Agreement.parent_id == mg.id))
    assert contagem.signed_on not in (mg.signed_on, es.signed_on)
    assert contagem.sei_process is None or (
        is_valid_nup(contagem.sei_process)
        and only_digits(contagem.sei_process)
        not in {only_digits(mg.sei_process), only_digits(es.sei_process)}
    )
