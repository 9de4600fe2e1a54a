"""Importing the seed plan, generating deliverables and registering adhesions (services)."""

import io
from datetime import date

import pytest
from sqlalchemy import func
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Agreement, Goal
from portal.core.exceptions import DomainError
from portal.core.storage import UploadRefused, storage
from portal.deliverables import generation
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.institutions.models import Institution
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan
from tests import factories

START = date(2025, 10, 1)


@pytest.fixture
def plan():
    return parse_plan(read_seed_plan())


@pytest.fixture
def act(users, plan):
    agreement, created = plans.import_plan(plan, start=START, years=5)
    assert created
    return agreement


def _count(*where) -> int:
    return db.session.scalar(db.select(func.count(Deliverable.id)).where(*where))


def _deliverables(agreement, code, institution_id):
    return db.session.scalars(
        db.select(Deliverable)
        .join(Goal)
        .where(
            Goal.agreement_id == agreement.id,
            Goal.code == code,
            Deliverable.institution_id == institution_id,
        )
        .order_by(Deliverable.due_on)
    ).all()


def test_import_creates_the_agreement_with_its_23_goals_and_term(act, users):
    assert act.number == "160/2025" and act.kind == "ACT"
    assert act.sei_process and act.signed_on == date(2025, 9, 24)
    assert act.term_start == START and act.term_end == date(2030, 9, 30)
    assert act.partner_id == users["partner_manager"].institution_id
    assert [g.code for g in act.goals][:3] == ["1.1", "1.2", "1.3"]
    assert len(act.goals) == 23 and act.goals[-1].code == "C.6"
    assert {p.signatory_registration for p in act.parties} == {"SIAPE 1458895", "MASP 1489235-0"}
    adherent = {g.code for g in act.goals if g.applies_to_adherents}
    assert adherent == {"1.1", "1.5", "1.6", "2.1", "2.2", "2.3", "3.2", "3.3", "3.4", "3.5"}


def test_deliverables_are_dated_and_owed_by_the_right_institutions(act, users, seges):
    mg = users["partner_manager"].institution_id
    painel = _deliverables(act, "1.2", mg)
    assert [(d.opens_on, d.due_on) for d in painel] == [(START, date(2025, 10, 16))]
    assert [(d.period_key, d.deadline_source, d.deadline_rule) for d in painel] == [
        ("once", "plan", None)
    ]
    assert _deliverables(act, "1.2", seges.id) == []
    # 1.3 "Durante a vigência", SEGES's alone: continuous, reported in the annual report.
    assert _deliverables(act, "1.3", mg) == []
    assert _deliverables(act, "1.3", seges.id) == []
    # 2.2 "60 horas ao ano": calendar years 2025..2030, clipped to the term, for both.
    courses = _deliverables(act, "2.2", mg)
    assert [(d.period_key, d.opens_on, d.due_on) for d in courses] == TRAINING_YEARS
    assert courses[0].period_label == "Ano de capacitação de 2025 (01/10/2025 a 31/12/2025)"
    assert courses[-1].period_label == "Ano de capacitação de 2030 (01/01/2030 a 30/09/2030)"
    assert {d.deadline_source for d in courses} == {"plan"}
    seges_courses = _deliverables(act, "2.2", seges.id)  # "SEGES e Governo…" → both
    assert [(d.period_key, d.opens_on, d.due_on) for d in seges_courses] == TRAINING_YEARS
    # 2.1 "Anual": term years.
    assert [(d.period_key, d.due_on) for d in _deliverables(act, "2.1", mg)] == [
        ("Y1", date(2026, 9, 30)), ("Y2", date(2027, 9, 30)), ("Y3", date(2028, 9, 30)),
        ("Y4", date(2029, 9, 30)), ("Y5", date(2030, 9, 30)),
    ]
    assert _deliverables(act, "1.7", mg) == []  # on_call: only when SEGES convenes
    forum = _deliverables(act, "C.1", seges.id)
    assert [d.due_on for d in forum] == [date(2025, 10, 11)]


# 2.2 of the seed ACT (01/10/2025 to 30/09/2030): (key, opens_on, due_on), by hand.
TRAINING_YEARS = [
    ("C2025", date(2025, 10, 1), date(2025, 12, 31)),
    ("C2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("C2027", date(2027, 1, 1), date(2027, 12, 31)),
    ("C2028", date(2028, 1, 1), date(2028, 12, 31)),
    ("C2029", date(2029, 1, 1), date(2029, 12, 31)),
    ("C2030", date(2030, 1, 1), date(2030, 9, 30)),
]
# The partner's yearly follow-up of a continuous goal over the same term: opens on the term
# start or 01/01, due 30 days before the annual report closes (31/03 of the next year), i.e.
# on 01/03, moved to the next business day: 01/03/2026 is a Sunday, 01/03/2031 a Saturday.
FOLLOWUPS = [
    ("R2025", date(2025, 10, 1), date(2026, 3, 2)),
    ("R2026", date(2026, 1, 1), date(2027, 3, 1)),
    ("R2027", date(2027, 1, 1), date(2028, 3, 1)),
    ("R2028", date(2028, 1, 1), date(2029, 3, 1)),
    ("R2029", date(2029, 1, 1), date(2030, 3, 1)),
    ("R2030", date(2030, 1, 1), date(2031, 3, 3)),
]
FOLLOWUP_RULE = (
    "Relato anual: 30 dias antes do fechamento do Relatório Anual (31/03) — relato de "
    "acompanhamento pedido pela SEGES, não é prazo do Plano de Trabalho"
)
# Continuous goals of the seed ("Durante a vigência", "A partir do início", "Observância à
# norma vigente") that the partner owes (alone or with SEGES), and those SEGES owes alone.
PARTNER_CONTINUOUS = {"1.1", "1.5", "1.6", "2.3", "3.1", "3.3", "3.7", "C.3", "C.5", "C.6"}
SEGES_CONTINUOUS = {"1.3", "1.4", "C.2"}  # 3.6 too, but it is the Rede's annual report


def test_continuous_goals_have_no_plan_deadline_only_the_partners_yearly_followups(
    act, users, seges
):
    mg = users["partner_manager"].institution_id
    for code in sorted(PARTNER_CONTINUOUS):
        rows = _deliverables(act, code, mg)
        assert [(d.period_key, d.opens_on, d.due_on) for d in rows] == FOLLOWUPS, code
        assert {(d.deadline_source, d.deadline_rule, d.status) for d in rows} == {
            ("followup", FOLLOWUP_RULE, "pending")
        }, code
        assert [d.period_label for d in rows][:2] == [
            "Relato de acompanhamento de 2025", "Relato de acompanhamento de 2026"
        ]
        assert _deliverables(act, code, seges.id) == [], code  # SEGES's side: none
    for code in sorted(SEGES_CONTINUOUS):
        assert _deliverables(act, code, seges.id) == [], code
        assert _deliverables(act, code, mg) == [], code
    continuous = [g.id for g in act.goals if g.code in PARTNER_CONTINUOUS | SEGES_CONTINUOUS]
    assert _count(Deliverable.goal_id.in_(continuous)) == 10 * 6
    no_date_of_the_plan = Deliverable.deadline_source != "followup"
    assert _count(Deliverable.goal_id.in_(continuous), no_date_of_the_plan) == 0
    # The follow-ups are the only "followup" rows: every other goal keeps its plan's dates.
    assert _count(Deliverable.deadline_source == "followup") == 60


# Closing 31/03 of the next year, on the next business day when it is not one (31/03/2029 is
# a Saturday, 31/03/2030 a Sunday).
CLOSINGS = {2025: date(2026, 3, 31), 2026: date(2027, 3, 31), 2027: date(2028, 3, 31),
            2028: date(2029, 4, 2), 2029: date(2030, 4, 1), 2030: date(2031, 3, 31)}
ANNUAL_REPORTS = [
    (f"A{year}", f"Relatório Anual da Rede de {year}", date(year, 1, 1), CLOSINGS[year])
    for year in range(2025, 2031)
]


def test_the_annual_report_is_one_seges_deliverable_a_year_for_the_whole_network(
    act, plan, users, seges
):
    mg = users["partner_manager"].institution_id
    reports = _deliverables(act, "3.6", seges.id)
    assert [(d.period_key, d.period_label, d.opens_on, d.due_on) for d in reports] == (
        ANNUAL_REPORTS
    )
    assert {d.deadline_source for d in reports} == {"default"}
    assert reports[0].deadline_rule == (
        "Fechamento do Relatório Anual de 2025 em 31/03/2026 — prazo padrão definido pela SEGES"
    )
    assert _deliverables(act, "3.6", mg) == []
    # ES's ACT, 01/02/2026 to 31/01/2031, touches 2026..2031: only 2031 is new for the Rede.
    es = users["other_manager"].institution
    other, _ = plans.import_plan(plan, start=date(2026, 2, 1), years=5, number="161/2025",
                                 partner=es)
    assert other.term_end == date(2031, 1, 31)
    keys = db.session.scalars(
        db.select(Deliverable.period_key).where(Deliverable.period_key.startswith("A"))
        .order_by(Deliverable.period_key)).all()
    assert keys == ["A2025", "A2026", "A2027", "A2028", "A2029", "A2030", "A2031"]
    assert [(d.period_key, d.opens_on, d.due_on) for d in _deliverables(other, "3.6", seges.id)
            ] == [("A2031", date(2031, 1, 1), date(2032, 3, 31))]
    assert len(_deliverables(act, "3.6", seges.id)) == 6
    assert _deliverables(other, "3.6", es.id) == []
    # Importing again, or generating both agreements again, adds no second report.
    plans.import_plan(plan, start=date(2026, 2, 1), years=5, number="161/2025", partner=es)
    assert generation.generate_for_agreements([act.id, other.id]) == 0
    assert _count(Deliverable.period_key.startswith("A")) == 7


def test_import_sets_goal_roles_from_the_prazo_and_text(act):
    roles = {goal.code: goal.roles for goal in act.goals if goal.roles}
    assert roles == {
        "1.1": ["focal_points"],
        "1.7": ["meetings"],
        "2.2": ["training_hours"],
        "3.4": ["forums"],
        "3.6": ["annual_report"],
    }
    assert next(g for g in act.goals if g.code == "3.6").has_role("annual_report")
    assert not next(g for g in act.goals if g.code == "1.1").has_role("annual_report")


def test_import_is_idempotent(act, plan, users):
    before = _count()
    again, created = plans.import_plan(plan, start=START, years=5)
    assert again.id == act.id and not created
    assert _count() == before
    assert db.session.scalar(db.select(func.count(Agreement.id))) == 1
    assert db.session.scalar(db.select(func.count(Goal.id))) == 23


def test_same_plan_for_another_partner_with_another_number(act, plan, users):
    es = users["other_manager"].institution
    other, created = plans.import_plan(
        plan, start=date(2026, 2, 1), years=5, number="161/2025", partner=es
    )
    assert created and other.partner_id == es.id
    assert _count(Deliverable.institution_id == es.id) > 0
    assert {p.institution_id for p in other.parties} == {es.id, act.parties[0].institution_id}


def test_import_creates_missing_institutions_and_flags_seges(app, plan):
    agreement, _ = plans.import_plan(plan, start=START, years=5)
    seges = db.session.scalar(db.select(Institution).where(Institution.is_secretariat))
    assert seges.cnpj == "00489828000155" and seges.sphere == "federal"
    assert agreement.partner.cnpj == "50941185000107" and agreement.partner.uf == "MG"
    assert agreement.partner.sphere == "estadual" and agreement.partner.elo == "Estados"


def test_term_extension_adds_years_without_touching_work(act, users):
    mg = users["partner_manager"].institution_id
    first = _deliverables(act, "2.2", mg)[0]
    first.status = "approved"
    db.session.commit()
    before = _count()
    act.term_end = date(2035, 9, 30)
    added = generation.generate_deliverables(act)
    db.session.commit()
    # 2031..2035 (5 years) or term years 6..10: follow-ups 10 goals × 5, 2.1/2.2/3.2 both
    # × 5 × 2, 3.4 × 5, and 5 annual reports of the Rede.
    assert added == 50 + 30 + 5 + 5
    assert _count() == before + added
    courses = _deliverables(act, "2.2", mg)
    assert [d.period_key for d in courses] == [f"C{year}" for year in range(2025, 2036)]
    assert [d.period_key for d in _deliverables(act, "1.1", mg)] == [
        f"R{year}" for year in range(2025, 2036)
    ]
    assert db.session.get(Deliverable, first.id).status == "approved"
    assert generation.generate_deliverables(act) == 0
    # Generation only adds: 2030's training year keeps the old clip until the goal is
    # regenerated (what editing the term does), which gives it the whole year.
    assert (courses[5].opens_on, courses[5].due_on) == (date(2030, 1, 1), date(2030, 9, 30))
    generation.regenerate_goal(next(g for g in act.goals if g.code == "2.2"),
                               today=date(2026, 1, 1))
    db.session.commit()
    courses = _deliverables(act, "2.2", mg)
    assert [(d.period_key, d.opens_on, d.due_on) for d in courses][5] == (
        "C2030", date(2030, 1, 1), date(2030, 12, 31)
    )
    assert courses[5].period_label == "Ano de capacitação de 2030 (01/01/2030 a 31/12/2030)"
    assert db.session.get(Deliverable, first.id).status == "approved"


def test_editing_a_goal_regenerates_only_its_future_untouched_deliverables(act, users):
    mg = users["partner_manager"].institution_id
    goal = next(g for g in act.goals if g.code == "2.1")
    yearly = _deliverables(act, "2.1", mg)
    yearly[0].status = "submitted"
    db.session.commit()
    goal.schedule = {"kind": "periodic", "months": 6}
    generation.regenerate_goal(goal, today=date(2026, 1, 1))
    db.session.commit()
    remaining = _deliverables(act, "2.1", mg)
    assert yearly[0].id in {d.id for d in remaining}  # submitted work survives
    assert sum(d.period_key.startswith("P") for d in remaining) == 10
    assert not any(d.period_key.startswith("Y") and d.status == "pending" for d in remaining)


def test_goal_moved_to_manual_keeps_no_future_pending_deliverables(act, users):
    mg = users["partner_manager"].institution_id
    goal = next(g for g in act.goals if g.code == "3.3")
    goal.schedule = {"kind": "manual"}
    generation.regenerate_goal(goal, today=date(2026, 1, 1))
    db.session.commit()
    assert _deliverables(act, "3.3", mg) == []


def test_adhesion_creates_institution_agreement_goals_and_deliverables(act, users):
    manager = users["partner_manager"]
    adhesion = plans.register_adhesion(
        act,
        by=manager,
        name="Prefeitura de Contagem",
        cnpj="18.715.508/0001-31",
        sphere="municipal",
        uf="MG",
        signed_on=date(2026, 3, 16),
        acronym="PMC",
    )
    contagem = adhesion.partner
    assert contagem.parent_id == manager.institution_id and contagem.layer == 2
    assert adhesion.kind == "TA" and adhesion.parent_id == act.id
    assert adhesion.term_start == date(2026, 3, 16) and adhesion.term_end == act.term_end
    assert sorted(g.code for g in adhesion.goals) == [
        "1.1",
        "1.5",
        "1.6",
        "2.1",
        "2.2",
        "2.3",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
    ]
    assert {g.responsible for g in adhesion.goals} == {"partner"}
    assert {g.code: g.roles for g in adhesion.goals if g.roles} == {
        "1.1": ["focal_points"], "2.2": ["training_hours"], "3.4": ["forums"]}
    assert _count(Deliverable.institution_id == contagem.id) > 0
    # The adherent's term starts on its signature (16/03/2026): its first follow-up and
    # its first training year open then.
    assert [(d.period_key, d.opens_on, d.due_on, d.deadline_source)
            for d in _deliverables(adhesion, "1.1", contagem.id)] == [
        ("R2026", date(2026, 3, 16), date(2027, 3, 1), "followup"),
        ("R2027", date(2027, 1, 1), date(2028, 3, 1), "followup"),
        ("R2028", date(2028, 1, 1), date(2029, 3, 1), "followup"),
        ("R2029", date(2029, 1, 1), date(2030, 3, 1), "followup"),
        ("R2030", date(2030, 1, 1), date(2031, 3, 3), "followup"),
    ]
    first_training_year = _deliverables(adhesion, "2.2", contagem.id)[0]
    assert (first_training_year.period_key, first_training_year.opens_on,
            first_training_year.due_on) == ("C2026", date(2026, 3, 16), date(2026, 12, 31))
    inform = _deliverables(act, "C.4", manager.institution_id)
    assert [(d.due_on, d.period_label) for d in inform] == [
        (date(2026, 4, 10), "Adesões de 03/2026")
    ]


def test_two_adhesions_in_one_month_share_one_report_deliverable(act, users):
    for name, cnpj in [("Betim", "18.715.383/0001-40"), ("Contagem", "18.715.508/0001-31")]:
        plans.register_adhesion(
            act,
            by=None,
            name=name,
            cnpj=cnpj,
            sphere="municipal",
            uf="MG",
            signed_on=date(2026, 3, 20),
        )
    assert len(_deliverables(act, "C.4", users["partner_manager"].institution_id)) == 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"signed_on": date(2024, 1, 1)}, "dentro da vigência"),
        ({"cnpj": "50.941.185/0001-07"}, "outro instrumento"),
    ],
)
def test_adhesion_refusals(act, users, changes, message):
    data = {
        "name": "Prefeitura X",
        "cnpj": "18.715.383/0001-40",
        "sphere": "municipal",
        "uf": "MG",
        "signed_on": date(2026, 3, 20),
        **changes,
    }
    with pytest.raises(DomainError, match=message):
        plans.register_adhesion(act, by=None, **data)


def test_adhesion_cannot_be_registered_twice(act, users):
    data = {
        "name": "Prefeitura X",
        "cnpj": "18.715.383/0001-40",
        "sphere": "municipal",
        "uf": "MG",
        "signed_on": date(2026, 3, 20),
    }
    plans.register_adhesion(act, by=None, **data)
    with pytest.raises(DomainError, match="já foi registrada"):
        plans.register_adhesion(act, by=None, **data)


def test_import_rejects_absurd_term_lengths(users, plan):
    with pytest.raises(DomainError, match="1 a 20 anos"):
        plans.import_plan(plan, start=START, years=0)


def test_plan_import_command_imports_once(app, users, tmp_path):
    seed = tmp_path / "plano.txt"
    seed.write_bytes(read_seed_plan())
    runner = app.test_cli_runner()
    args = ["plan", "import", str(seed), "--start", "2025-10-01", "--years", "5"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "ACT nº 160/2025 importado: 23 metas" in first.output
    assert "“21” na lista de metas dos aderentes foi lido como 2.1" in first.output
    before = _count()
    second = runner.invoke(args=args)
    assert second.exit_code == 0 and "já existia" in second.output
    assert _count() == before


def test_plan_import_command_fails_cleanly_on_a_non_plan(app, tmp_path):
    junk = tmp_path / "lixo.txt"
    junk.write_text("Ata de reunião sem cronograma algum.", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["plan", "import", str(junk), "--start",
                                                "2025-10-01"])
    assert result.exit_code == 2
    assert result.output.startswith("Erro:") and "Traceback" not in result.output


def test_generation_for_many_agreements_matches_one_by_one(act, users, seges):
    """Large batches take the bulk path (COPY on PostgreSQL): same rows as the single path."""
    act_id, goals, seges_id = act.id, [g.id for g in act.goals], seges.id
    mg = users["partner_manager"].institution_id
    # The seed ACT, counted by hand: 1.2, C.1 once; 2.1, 3.2 term years × both (5 × 2 each);
    # 2.2 calendar years × both (6 × 2); 3.4 × 5; 10 continuous goals × 6 follow-ups; and the
    # Rede's 6 annual reports.
    per_agreement = 1 + 1 + 10 + 10 + 12 + 5 + 60
    assert _count(Deliverable.goal_id.in_(goals)) == per_agreement + 6
    ids = []
    for i in range(11):
        partner = factories.institution(name=f"Município {i}", sphere="municipal",
                                        elo="Municípios")
        agreement = Agreement(kind="ACT", number=f"{900 + i}/2025", partner=partner,
                              term_start=act.term_start, term_end=act.term_end, axes=[1, 2, 3])
        agreement.goals = [Goal(code=g.code, position=g.position, axes=g.axes,
                                description=g.description, deadline_text=g.deadline_text,
                                schedule=g.schedule, responsible=g.responsible, roles=g.roles)
                           for g in act.goals]
        db.session.add(agreement)
        db.session.commit()
        ids.append(agreement.id)
    created = generation.generate_for_agreements(ids)  # commits and clears the session
    act = db.session.get(Agreement, act_id)
    # Same term: the Rede's annual reports already exist, none is added.
    assert created == 11 * per_agreement and created > 1000
    assert _count(Deliverable.period_key.startswith("A")) == 6
    some = db.session.get(Agreement, ids[0])
    for code in ("2.2", "1.1", "1.2"):
        expected = sorted((d.period_key, d.period_label, d.opens_on, d.due_on, d.status,
                           d.deadline_source, d.deadline_rule)
                          for d in _deliverables(act, code, mg))
        got = sorted((d.period_key, d.period_label, d.opens_on, d.due_on, d.status,
                      d.deadline_source, d.deadline_rule)
                     for d in _deliverables(some, code, some.partner_id))
        assert got == expected and got, code
    first_followup = _deliverables(some, "1.1", some.partner_id)[0]
    assert (first_followup.period_key, first_followup.due_on,
            first_followup.deadline_source) == ("R2025", date(2026, 3, 2), "followup")
    assert _deliverables(some, "1.1", seges_id) == []
    assert generation.generate_for_agreements(ids) == 0


def test_editing_a_goal_keeps_the_deliverables_events_created(act, users):
    mg = users["partner_manager"].institution_id
    meeting_goal = next(g for g in act.goals if g.code == "1.7")
    generation.add_event_deliverable(meeting_goal, mg, event_key="evento-1",
                                     event_date=date(2026, 12, 1), due_on=date(2026, 12, 16))
    db.session.commit()
    generation.regenerate_goal(meeting_goal, today=date(2026, 11, 26))
    db.session.commit()
    assert [d.period_key for d in _deliverables(act, "1.7", mg)] == ["Eevento-1"]


def test_adhesion_keeps_the_signed_pdf_and_refuses_anything_else(act, users):
    pdf = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "termo assinado.pdf")
    adhesion = plans.register_adhesion(act, by=None, name="Contagem", cnpj="18715508000131",
                                       sphere="municipal", uf="MG", signed_on=date(2026, 3, 16),
                                       document=pdf)
    assert adhesion.document_name == "termo assinado.pdf"
    assert storage().exists(adhesion.document_stored_name)
    html = FileStorage(io.BytesIO(b"<html><script>x</script></html>"), "termo.pdf")
    with pytest.raises(UploadRefused):
        plans.register_adhesion(act, by=None, name="Betim", cnpj="18715383000140",
                                sphere="municipal", uf="MG", signed_on=date(2026, 3, 16),
                                document=html)
    files = [p for p in storage().root.rglob("*") if p.is_file()]
    assert len(files) == 1  # the refused one left nothing behind


def test_a_goal_due_days_after_each_adhesion_gets_a_deliverable_per_adhesion(act, users):
    """"Encaminhar o termo à SEGES em até 30 dias após cada adesão": one deliverable of the
    first-layer partner for each adhesion, due 30 days after its signature."""
    goal = next(g for g in act.goals if g.code == "1.6")
    goal.schedule = {"kind": "after_event", "days": 30, "business_days": False,
                     "event": "adhesion"}
    db.session.flush()
    for name, cnpj, signed in [("Prefeitura X", "18.715.383/0001-40", date(2026, 3, 20)),
                               ("Prefeitura Y", "18.715.508/0001-31", date(2026, 3, 25))]:
        plans.register_adhesion(act, by=None, name=name, cnpj=cnpj, sphere="municipal",
                                uf="MG", signed_on=signed)
    owed = db.session.scalars(
        db.select(Deliverable).where(Deliverable.goal_id == goal.id,
                                     Deliverable.period_key.like("Eadesao-%"))
        .order_by(Deliverable.due_on)).all()
    assert [(d.institution_id, d.due_on, d.period_label) for d in owed] == [
        (act.partner_id, date(2026, 4, 19), "Adesão de Prefeitura X em 20/03/2026"),
        (act.partner_id, date(2026, 4, 24), "Adesão de Prefeitura Y em 25/03/2026"),
    ]


def test_an_adhesion_deliverable_is_not_duplicated_when_informed_twice(act, users):
    goal = next(g for g in act.goals if g.code == "1.6")
    goal.schedule = {"kind": "after_event", "days": 5, "business_days": True,
                     "event": "adhesion"}
    db.session.flush()
    adhesion = plans.register_adhesion(act, by=None, name="Prefeitura X",
                                       cnpj="18.715.383/0001-40", sphere="municipal",
                                       uf="MG", signed_on=date(2026, 3, 20))
    plans._inform_adhesion_deliverables(act, adhesion, date(2026, 3, 20))
    db.session.flush()
    owed = db.session.scalars(db.select(Deliverable).where(
        Deliverable.goal_id == goal.id, Deliverable.period_key.like("Eadesao-%"))).all()
    assert [d.due_on for d in owed] == [date(2026, 3, 27)]  # 5 business days after Fri 20/03
