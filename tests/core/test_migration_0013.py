"""Migration 0013 on a database filled as the portal left it at revision 0012.

The old schema is built by the migrations themselves and filled with plain SQL (the models
of the current code have columns that revision 0012 does not), then upgraded to head.
SQLite by default; PostgreSQL too when PORTAL_TEST_DATABASE_URI is set.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime

import holidays
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from tests.factories import scratch_database_uri

TERM_START = date(2025, 10, 1)
TERM_END = date(2030, 9, 30)
REPORT_YEARS = range(2025, 2031)
NOW = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)

# 30 days before 31/03 of the next year is 01/03, moved to the next business day.
FOLLOWUP_DUE = {
    2025: date(2026, 3, 2),  # 01/03/2026 is a Sunday
    2026: date(2027, 3, 1),
    2027: date(2028, 3, 1),
    2028: date(2029, 3, 1),
    2029: date(2030, 3, 1),
    2030: date(2031, 3, 3),  # 01/03/2031 is a Saturday
}

# (code, description, schedule, responsible) as the importer reads the MG plan (ACT 160/2025).
GOALS = [
    ("1.1", "Indicar servidores que acompanharão a execução do Acordo, informando nome, CPF, "
            "telefone e e-mail, enviando-o para o endereço rededeparcerias@gestao.gov.br",
     {"kind": "during_term"}, "both"),
    ("1.2", "Indicar responsável (nome, e-mail e CPF) para acesso ao Painel Gerencial do "
            "Parceriasgov.br",
     {"kind": "once_after_start", "days": 15, "business_days": False, "from": "start"},
     "partner"),
    ("1.3", "Cadastrar e disponibilizar o acesso ao Painel Gerencial Parceriasgov.br",
     {"kind": "during_term"}, "seges"),
    ("1.7", "Organizar e participar das reuniões técnicas de trabalho promovidas "
            "periodicamente pela Rede de Parcerias.",
     {"kind": "on_call", "trigger": "meeting"}, "both"),
    ("2.2", "Realizar cursos na sua área de abrangência e atuação.",
     {"kind": "annual", "min_hours": 60}, "both"),
    ("3.1", "Inserir banner para divulgação das ações da Rede de Parcerias, notícia e pop-up "
            "em sua página oficial na internet.",
     {"kind": "at_start"}, "both"),
    ("3.2", "Divulgar os cursos da Rede de Parcerias.",
     {"kind": "annual", "also_on": "course_schedule_change"}, "both"),
    ("3.4", "Participar do Fórum Nacional das Transferências e Parcerias da União e dos "
            "Fóruns Regionais de Fortalecimento da Rede de Parcerias.",
     {"kind": "annual"}, "partner"),
    ("3.6", "Elaborar o Relatório Anual da Rede de Parcerias, a partir das informações "
            "encaminhadas pelos parceiros.",
     {"kind": "per_regulation"}, "seges"),
]

TERM_YEARS = [
    (n, date(2024 + n, 10, 1), date(2025 + n, 9, 30)) for n in range(1, 6)
]




def _config(uri, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": uri,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "SERVER_NAME": "localhost",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def _insert(connection, table, **values):
    """INSERT one row with plain SQL (the schema of revision 0012); returns its id."""
    columns = ", ".join(values)
    params = ", ".join(f":{column}" for column in values)
    statement = sa.text(  # table and column names are this file's constants
        f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"  # noqa: S608
    ).bindparams(*(sa.bindparam(column, type_=sa.JSON) for column, value in values.items()
                   if isinstance(value, dict | list)))
    return connection.execute(statement, values).scalar_one()


def _deliverable(connection, goal_id, institution_id, key, label, opens_on, due_on,
                 status="pending"):
    return _insert(connection, "deliverables", goal_id=goal_id, institution_id=institution_id,
                   period_key=key, period_label=label, opens_on=opens_on, due_on=due_on,
                   status=status, created_at=NOW, updated_at=NOW)


def _fill_old_schema(connection):
    """What the portal held at revision 0012 for MG's ACT, with one reviewed deliverable."""
    ids = {}
    ids["seges"] = _insert(
        connection, "institutions", name="Secretaria de Gestão e Inovação", acronym="SEGES",
        cnpj="00489828000155", sphere="federal", uf=None, elo="União", is_secretariat=True,
        created_at=NOW)
    ids["mg"] = _insert(
        connection, "institutions", name="Governo de Minas Gerais", acronym="SCC/MG",
        cnpj="50941185000107", sphere="estadual", uf="MG", elo="Estado", is_secretariat=False,
        created_at=NOW)
    ids["user"] = _insert(
        connection, "users", email="gestor@mg.test", name="Gestora de MG", role="partner_manager",
        institution_id=ids["mg"], password_hash=None, active=True, session_version=1,
        created_at=NOW)
    ids["reviewer"] = _insert(
        connection, "users", email="revisor@seges.test", name="Revisor", role="seges_reviewer",
        institution_id=ids["seges"], password_hash=None, active=True, session_version=1,
        created_at=NOW)
    ids["agreement"] = _insert(
        connection, "agreements", kind="ACT", number="160/2025", work_plan_number="160/2025",
        sei_process=None, object="Cooperação técnica na Rede de Parcerias.",
        signed_on=date(2025, 9, 25), term_start=TERM_START, term_end=TERM_END,
        axes=[1, 2, 3], partner_id=ids["mg"], parent_id=None, created_at=NOW)
    for position, institution in enumerate(("seges", "mg")):
        _insert(connection, "agreement_parties", agreement_id=ids["agreement"],
                institution_id=ids[institution], position=position)

    goal = {}
    for position, (code, description, schedule, responsible) in enumerate(GOALS):
        goal[code] = _insert(
            connection, "goals", agreement_id=ids["agreement"], code=code, position=position,
            axes=[int(code[0])], description=description, deadline_text="conforme o Plano",
            schedule=schedule, responsible=responsible, applies_to_adherents=False)
    ids["goal"] = goal

    both = (ids["seges"], ids["mg"])
    yearly = {}  # (code, institution, key) -> id of the old per-term-year deliverables
    for code, owners in (("1.1", both), ("1.3", (ids["seges"],)), ("2.2", both),
                         ("3.2", both), ("3.4", (ids["mg"],)), ("3.6", (ids["seges"],))):
        for institution in owners:
            for n, opens_on, due_on in TERM_YEARS:
                label = f"Ano {n} ({opens_on:%d/%m/%Y} a {due_on:%d/%m/%Y})"
                yearly[code, institution, f"Y{n}"] = _deliverable(
                    connection, goal[code], institution, f"Y{n}", label, opens_on, due_on)
    ids["yearly"] = yearly
    ids["1.2 once"] = _deliverable(connection, goal["1.2"], ids["mg"], "once", "Prazo único",
                                   TERM_START, date(2025, 10, 16))
    for institution in both:
        ids["3.1 once", institution] = _deliverable(
            connection, goal["3.1"], institution, "once", "Início da vigência", TERM_START,
            TERM_START)
    # MG's banner was waived by SEGES: touched without a submission.
    connection.execute(sa.text(
        "UPDATE deliverables SET status = 'waived', waiver_reason = 'Banner já publicado', "
        "status_before_waiver = 'pending' WHERE id = :id"), {"id": ids["3.1 once", ids["mg"]]})
    ids["meeting"] = _deliverable(connection, goal["1.7"], ids["mg"], "Eevento-7",
                                  "Reunião técnica de 10/03/2026", date(2026, 2, 20),
                                  date(2026, 3, 25))
    ids["course change"] = _deliverable(connection, goal["3.2"], ids["mg"], "Ecursos-2026-W10",
                                        "Alteração nos cursos (semana 10/2026)",
                                        date(2026, 3, 2), date(2026, 4, 1))

    # 1.1's first year for MG: v1 returned by SEGES with a file, v2 submitted again.
    reviewed = yearly["1.1", ids["mg"], "Y1"]
    ids["reviewed"] = reviewed
    ids["v1"] = _insert(
        connection, "submissions", deliverable_id=reviewed, version=1, status="returned",
        report="Servidores indicados: Ana e Bruno.", covers_from=TERM_START,
        covers_to=date(2026, 9, 30), author_id=ids["user"], submitted_by_id=ids["user"],
        created_at=NOW, updated_at=NOW, submitted_at=NOW)
    ids["evidence"] = _insert(
        connection, "evidence", submission_id=ids["v1"], kind="file", stored_name="a" * 64,
        original_name="oficio-indicacao.pdf", content_type="application/pdf", size=12345,
        sha256="b" * 64, url=None, title=None, uploaded_by_id=ids["user"], created_at=NOW)
    ids["review"] = _insert(
        connection, "reviews", submission_id=ids["v1"], reviewer_id=ids["reviewer"],
        decision="returned", reason_code="missing_evidence",
        comment="Falta o telefone dos servidores.", created_at=NOW)
    ids["v2"] = _insert(
        connection, "submissions", deliverable_id=reviewed, version=2, status="submitted",
        report="Servidores indicados: Ana e Bruno, com telefones.", covers_from=TERM_START,
        covers_to=date(2026, 9, 30), author_id=ids["user"], submitted_by_id=ids["user"],
        created_at=NOW, updated_at=NOW, submitted_at=NOW)
    connection.execute(sa.text("UPDATE deliverables SET status = 'submitted' WHERE id = :id"),
                       {"id": reviewed})
    # 2.2's first term year for MG: training hours reported and approved.
    trained = yearly["2.2", ids["mg"], "Y1"]
    ids["trained"] = trained
    ids["training submission"] = _insert(
        connection, "submissions", deliverable_id=trained, version=1, status="approved",
        report="64 horas de cursos no ano.", covers_from=TERM_START, covers_to=date(2026, 9, 30),
        author_id=ids["user"], submitted_by_id=ids["user"], created_at=NOW, updated_at=NOW,
        submitted_at=NOW)
    connection.execute(sa.text("UPDATE deliverables SET status = 'approved' WHERE id = :id"),
                       {"id": trained})
    ids["audit"] = _insert(
        connection, "audit_events", created_at=NOW, actor_id=ids["user"],
        actor_email="gestor@mg.test", institution_id=ids["mg"], action="deliverable.submitted",
        object_type="Deliverable", object_id=reviewed, ip="203.0.113.7", details={"version": 2})
    return ids


def _rows(statement, **params):
    with db.engine.connect() as connection:
        return connection.execute(sa.text(statement).columns(
            opens_on=sa.Date, due_on=sa.Date, roles=sa.JSON), params).mappings().all()


def _keys(goal_id, institution_id):
    return {row["period_key"] for row in _rows(
        "SELECT period_key FROM deliverables WHERE goal_id = :goal AND institution_id = :inst",
        goal=goal_id, inst=institution_id)}


@contextmanager
def _old_database(tmp_path):
    """An app on a scratch database at revision 0012, filled; yields (app, ids)."""
    with scratch_database_uri(tmp_path) as uri:
        app = create_app(_config(uri, tmp_path))
        with app.app_context():
            try:
                upgrade(revision="0012")
                with db.engine.begin() as connection:
                    ids = _fill_old_schema(connection)
                yield app, ids
            finally:
                db.engine.dispose()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """The old database upgraded to head once for the module's read-only tests; its app
    context stays pushed while they run."""
    with _old_database(tmp_path_factory.mktemp("m0013")) as (_app, ids):
        upgrade()
        db.engine.dispose()  # connections opened before the schema changed
        yield ids


def test_reviewed_deliverable_is_kept_with_its_whole_history(migrated):
    ids = migrated
    (row,) = _rows("SELECT id, status, deadline_source, deadline_rule FROM deliverables "
                   "WHERE id = :id", id=ids["reviewed"])
    assert row["status"] == "submitted"
    assert row["deadline_source"] == "followup"
    assert "não é prazo do Plano de Trabalho" in row["deadline_rule"]
    submissions = _rows("SELECT id, version, status FROM submissions WHERE deliverable_id = :d "
                        "ORDER BY version", d=ids["reviewed"])
    assert [(s["id"], s["version"], s["status"]) for s in submissions] == [
        (ids["v1"], 1, "returned"), (ids["v2"], 2, "submitted")]
    (evidence,) = _rows("SELECT id, original_name FROM evidence WHERE submission_id = :s",
                        s=ids["v1"])
    assert (evidence["id"], evidence["original_name"]) == (ids["evidence"], "oficio-indicacao.pdf")
    (review,) = _rows("SELECT id, decision FROM reviews WHERE submission_id = :s", s=ids["v1"])
    assert (review["id"], review["decision"]) == (ids["review"], "returned")
    (audit,) = _rows("SELECT id, action FROM audit_events WHERE object_type = 'Deliverable' "
                     "AND object_id = :d", d=ids["reviewed"])
    assert (audit["id"], audit["action"]) == (ids["audit"], "deliverable.submitted")


def test_touched_without_submission_is_kept_untouched_ones_are_gone(migrated):
    ids, goal, mg, seges = migrated, migrated["goal"], migrated["mg"], migrated["seges"]
    followups = {f"R{year}" for year in REPORT_YEARS}
    # 1.1: the reviewed Y1 stays; MG's Y2..Y5 and all of SEGES's years are gone.
    assert _keys(goal["1.1"], mg) == {"Y1"} | followups
    assert _keys(goal["1.1"], seges) == set()
    # 3.1: MG's waived day-0 deliverable stays (as a follow-up); SEGES's pending one is gone.
    (waived,) = _rows("SELECT status, deadline_source FROM deliverables WHERE id = :id",
                      id=ids["3.1 once", mg])
    assert dict(waived) == {"status": "waived", "deadline_source": "followup"}
    assert _keys(goal["3.1"], mg) == {"once"} | followups
    assert _keys(goal["3.1"], seges) == set()
    # 1.3 is continuous and SEGES's alone: nothing left, no follow-ups.
    assert _keys(goal["1.3"], seges) == set()
    assert _rows("SELECT id FROM deliverables WHERE goal_id = :g", g=goal["1.3"]) == []


def test_partner_gets_yearly_followups_on_business_days(migrated):
    goal, mg = migrated["goal"], migrated["mg"]
    calendar = holidays.country_holidays("BR", years=range(2026, 2032),
                                         categories=(holidays.PUBLIC,))
    for code in ("1.1", "3.1"):
        rows = _rows("SELECT period_key, opens_on, due_on, status, deadline_source, "
                     "deadline_rule FROM deliverables WHERE goal_id = :g AND institution_id = :i "
                     "AND period_key LIKE 'R%' ORDER BY period_key", g=goal[code], i=mg)
        assert [row["period_key"] for row in rows] == [f"R{year}" for year in REPORT_YEARS]
        for year, row in zip(REPORT_YEARS, rows, strict=True):
            assert row["due_on"] == FOLLOWUP_DUE[year], (code, year)
            assert row["due_on"].weekday() < 5 and row["due_on"] not in calendar
            assert (row["due_on"] - date(year + 1, 3, 31)).days >= -30
            assert row["opens_on"] == max(TERM_START, date(year, 1, 1))
            assert row["status"] == "pending"
            assert row["deadline_source"] == "followup"
            assert "31/03" in row["deadline_rule"]


def test_annual_report_is_one_network_deliverable_per_year(migrated):
    goal, seges = migrated["goal"], migrated["seges"]
    rows = _rows("SELECT institution_id, period_key, opens_on, due_on, deadline_source, "
                 "deadline_rule FROM deliverables WHERE goal_id = :g ORDER BY period_key",
                 g=goal["3.6"])
    assert [row["period_key"] for row in rows] == [f"A{year}" for year in REPORT_YEARS]
    for year, row in zip(REPORT_YEARS, rows, strict=True):
        assert row["institution_id"] == seges
        assert row["opens_on"] == date(year, 1, 1)
        closing = date(year + 1, 3, 31)  # on the next business day when it is not one
        assert row["due_on"] == {date(2029, 3, 31): date(2029, 4, 2),
                                 date(2030, 3, 31): date(2030, 4, 1)}.get(closing, closing)
        assert row["deadline_source"] == "default"
        assert "SEGES" in row["deadline_rule"]
    remaining = {row["id"] for row in _rows("SELECT id FROM deliverables")}
    assert not {migrated["yearly"]["3.6", seges, f"Y{n}"] for n in range(1, 6)} & remaining


def test_goals_get_their_roles(migrated):
    roles = {row["code"]: row["roles"] for row in _rows("SELECT code, roles FROM goals")}
    assert roles == {
        "1.1": ["focal_points"],
        "1.2": [],
        "1.3": [],
        "1.7": ["meetings"],
        "2.2": ["training_hours"],
        "3.1": [],
        "3.2": [],
        "3.4": ["forums"],
        "3.6": ["annual_report"],
    }


def test_training_hours_are_counted_per_calendar_year(migrated):
    ids, goal, mg, seges = migrated, migrated["goal"], migrated["mg"], migrated["seges"]
    calendar_years = {f"C{year}" for year in REPORT_YEARS}
    # MG's approved first term year stays as it was; its untouched years become C<year>.
    assert _keys(goal["2.2"], mg) == {"Y1"} | calendar_years
    assert _keys(goal["2.2"], seges) == calendar_years
    (trained,) = _rows("SELECT status, deadline_source FROM deliverables WHERE id = :id",
                       id=ids["trained"])
    assert dict(trained) == {"status": "approved", "deadline_source": "plan"}
    assert len(_rows("SELECT id FROM submissions WHERE deliverable_id = :d",
                     d=ids["trained"])) == 1
    rows = _rows("SELECT period_key, opens_on, due_on, status, deadline_source FROM deliverables "
                 "WHERE goal_id = :g AND institution_id = :i AND period_key LIKE 'C%' "
                 "ORDER BY period_key", g=goal["2.2"], i=mg)
    assert [(r["period_key"], r["opens_on"], r["due_on"]) for r in rows] == [
        (f"C{year}", max(TERM_START, date(year, 1, 1)), min(TERM_END, date(year, 12, 31)))
        for year in REPORT_YEARS]
    assert {(r["status"], r["deadline_source"]) for r in rows} == {("pending", "plan")}


def test_plan_deliverables_stay_and_event_ones_become_seges_defaults(migrated):
    ids, goal, mg = migrated, migrated["goal"], migrated["mg"]
    # Non-continuous plan deadlines are the plan's: kept as they were.
    for code in ("3.2", "3.4"):
        assert _keys(goal[code], mg) >= {f"Y{n}" for n in range(1, 6)}
    plan = _rows("SELECT deadline_source, deadline_rule FROM deliverables WHERE id IN "
                 "(:a, :b)", a=ids["1.2 once"], b=ids["yearly"]["3.4", mg, "Y1"])
    assert [dict(row) for row in plan] == [{"deadline_source": "plan", "deadline_rule": None}] * 2
    (meeting,) = _rows("SELECT period_key, due_on, deadline_source, deadline_rule "
                       "FROM deliverables WHERE id = :id", id=ids["meeting"])
    assert meeting["period_key"] == "Eevento-7"
    assert meeting["due_on"] == date(2026, 3, 25)  # the date is kept, only labelled
    assert meeting["deadline_source"] == "default"
    assert "SEGES" in meeting["deadline_rule"]
    (course,) = _rows("SELECT deadline_source, deadline_rule FROM deliverables WHERE id = :id",
                      id=ids["course change"])
    assert course["deadline_source"] == "default"
    assert "SEGES" in course["deadline_rule"]


def test_deadline_settings_hold_seges_defaults(migrated):
    rows = _rows("SELECT meeting_days, forum_days, course_change_days, business_days, "
                 "followup_days_before_closing, updated_by_id FROM deadline_settings")
    assert len(rows) == 1
    (row,) = rows
    assert (row["meeting_days"], row["forum_days"], row["course_change_days"],
            bool(row["business_days"]), row["followup_days_before_closing"],
            row["updated_by_id"]) == (15, 15, 30, True, 30, None)


def test_downgrade_and_upgrade_again(tmp_path):
    """Downgrading may lose data; upgrading again must work and give the same obligations,
    also when someone worked on a deliverable this revision created (a follow-up)."""
    with _old_database(tmp_path) as (_app, ids):
        upgrade()
        db.engine.dispose()
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "UPDATE deliverables SET status = 'draft' WHERE goal_id = :g "
                "AND institution_id = :i AND period_key = 'R2025'"),
                {"g": ids["goal"]["1.1"], "i": ids["mg"]})
        after_first = _rows("SELECT goal_id, institution_id, period_key, deadline_source "
                            "FROM deliverables ORDER BY goal_id, institution_id, period_key")
        downgrade(revision="0012")
        db.engine.dispose()
        upgrade()
        db.engine.dispose()
        after_second = _rows("SELECT goal_id, institution_id, period_key, deadline_source "
                             "FROM deliverables ORDER BY goal_id, institution_id, period_key")
        assert [dict(row) for row in after_second] == [dict(row) for row in after_first]
        assert len(_rows("SELECT id FROM deadline_settings")) == 1
        for deliverable, versions in ((ids["reviewed"], 2), (ids["trained"], 1)):
            assert len(_rows("SELECT id FROM submissions WHERE deliverable_id = :d",
                             d=deliverable)) == versions
