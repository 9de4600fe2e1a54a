"""A hand-built network whose 2026 report is computed by hand in the tests.

Partners: Alfa (MG, 1st layer), Beta (ES, 1st layer), Gama (adhered to Alfa in 2026) and
Delta (adhered to Alfa in 2025). Every deliverable, approval, training record, adhesion and
invitation is created here with explicit dates, so each number of the report is known.

2026, by hand:

=========  ===  ===  =====  =====  ========  =========  =================
partner    due  met  hours  (goal) adhesions  invited    attended
=========  ===  ===  =====  =====  ========  =========  =================
Alfa         5    3     64     60         1          1                  1
Beta         4    2     16     60         0          2                  1
Delta        0    0      0      —         0          0                  0
Gama         1    1      0      —         0          0                  0
total       10    6     80              1 (events: 2)                  2
=========  ===  ===  =====  =====  ========  =========  =================
"""

from datetime import date

import pytest

from portal.extensions import db
from tests import factories
from tests.factories import agreement, attended_event, deliverable, goal, review, utc

LONG_REPORT = (
    "Realizamos a **Semana da Transparência** em Gama, com oficinas abertas ao público "
    "sobre parcerias com organizações da sociedade civil, publicação de todos os termos "
    "de fomento no portal da prefeitura e uma roda de conversa com conselhos municipais. "
    "Participaram 120 pessoas e as gravações estão disponíveis no canal oficial da "
    "prefeitura, junto com as apresentações e as listas de presença de cada encontro."
)
BETA_REPORT = (
    "Oficina <script>alert(1)</script> de **comunicação** realizada em 12/09.\n\n"
    "- 40 servidores\n- 3 municípios"
)


@pytest.fixture
def network(users, seges):
    mg = users["partner_manager"].institution
    es = users["other_manager"].institution
    alfa, beta = mg, es
    alfa.name, beta.name = "Alfa Governo de Minas", "Beta Governo do Espírito Santo"
    gama = factories.institution(name="Gama Prefeitura", acronym="GAMA", parent_id=alfa.id,
                                 sphere="municipal", elo="Municípios")
    delta = factories.institution(name="Delta Prefeitura", parent_id=alfa.id,
                                  sphere="municipal", elo="Municípios")

    act_a = agreement("1/2025", alfa, date(2025, 7, 1), date(2030, 6, 30))
    act_b = agreement("2/2025", beta, date(2026, 1, 1), date(2030, 12, 31))
    agreement("3/2026", gama, date(2026, 3, 16), date(2030, 6, 30), parent=act_a, kind="TA")
    agreement("4/2025", delta, date(2025, 11, 10), date(2030, 6, 30), parent=act_a, kind="TA")
    act_s = agreement("5/2025", seges, date(2025, 1, 1), date(2030, 12, 31))

    hours = {"kind": "annual", "min_hours": 60}
    a11 = goal(act_a, "1.1", [1], 1, {"kind": "periodic", "months": 6})
    a22 = goal(act_a, "2.2", [2], 2, hours)
    a35 = goal(act_a, "3.5", [3], 3, {"kind": "on_call", "trigger": "request"})
    ac1 = goal(act_a, "C.1", [1, 3], 4, {"kind": "during_term"})
    b11 = goal(act_b, "1.1", [1], 1, {"kind": "periodic", "months": 6})
    b22 = goal(act_b, "2.2", [2], 2, hours)
    b35 = goal(act_b, "3.5", [3], 3, {"kind": "on_call", "trigger": "request"})
    s11 = goal(act_s, "1.4", [1], 1, {"kind": "at_start"})

    d = {}
    # Alfa: 5 due in 2026, 3 met.
    d["a1"] = deliverable(a11, alfa, date(2026, 1, 31))
    review(d["a1"], "approved", utc(2026, 2, 5, 14))
    d["a2"] = deliverable(a11, alfa, date(2026, 7, 31))
    review(d["a2"], "returned", utc(2026, 8, 3, 14))
    review(d["a2"], "approved", utc(2026, 8, 20, 14), version=2)  # the second version counts
    d["a3"] = deliverable(a22, alfa, date(2026, 6, 30), status="submitted")
    d["a4"] = deliverable(a35, alfa, date(2026, 12, 20))
    review(d["a4"], "approved", utc(2027, 1, 15, 14),  # after year-end, before closing
           report="Publicamos o *painel de parcerias* no portal do Estado.")
    d["a5"] = deliverable(ac1, alfa, date(2026, 5, 10), status="waived")
    d["a6"] = deliverable(a11, alfa, date(2025, 12, 31))  # due in 2025
    review(d["a6"], "approved", utc(2026, 1, 10, 14))
    d["a7"] = deliverable(a35, alfa, date(2026, 3, 10))  # overdue, never sent
    # Beta: 4 due, 2 met. The closing day is 31/03/2027 in Brasília (UTC-3):
    d["b1"] = deliverable(b11, beta, date(2026, 6, 30))
    review(d["b1"], "approved", utc(2027, 4, 1, 2, 30))  # 31/03 23:30 there: counts
    d["b4"] = deliverable(b11, beta, date(2026, 12, 31))
    review(d["b4"], "approved", utc(2027, 4, 1, 3, 30))  # 01/04 00:30 there: too late
    d["b2"] = deliverable(b35, beta, date(2026, 9, 30))
    review(d["b2"], "approved", utc(2026, 10, 5, 14), report=BETA_REPORT)
    d["b3"] = deliverable(b22, beta, date(2026, 12, 31))
    # Gama (adherent, deliverable of Alfa's goal): 1 due, 1 met.
    d["c1"] = deliverable(a35, gama, date(2026, 11, 30))
    review(d["c1"], "approved", utc(2026, 12, 1, 14), report=LONG_REPORT)
    # SEGES's own deliverable never counts.
    d["s1"] = deliverable(s11, seges, date(2026, 4, 1))
    review(d["s1"], "approved", utc(2026, 4, 2, 14))

    for institution, day, hours_spent, participants in (
        (alfa, date(2026, 3, 10), 24, 30),
        (alfa, date(2026, 9, 1), 40, 20),
        (alfa, date(2025, 12, 15), 10, 5),  # 2025
        (beta, date(2026, 5, 5), 16, 12),
    ):
        factories.training_record(users["seges_admin"], institution_id=institution.id,
                                  start_on=day, hours=hours_spent, participants=participants)

    attended_event(utc(2026, 4, 10, 16), {alfa: True, beta: False})
    attended_event(utc(2026, 1, 1, 2, 30), {alfa: True})  # 31/12/2025 23:30 in Brasília: 2025
    attended_event(utc(2027, 1, 1, 1), {beta: True})  # 31/12/2026 22:00 in Brasília: 2026
    db.session.commit()
    return {"alfa": alfa, "beta": beta, "gama": gama, "delta": delta, "seges": seges,
            "admin": users["seges_admin"], "act_a": act_a, "goals": {"a35": a35, "a11": a11}, **d}


@pytest.fixture
def more_partners(network):
    """Factory: ``more_partners(n)`` adds n municipalities to the network, each with an
    approved 3.5, a 2.2 due at year-end, a training record and an attended meeting in 2026."""

    def add(how_many: int) -> None:
        for i in range(how_many):
            partner = factories.institution(name=f"Município {i}", sphere="municipal", uf="BA")
            act = agreement(f"{100 + i}/2026", partner, date(2026, 1, 1), date(2030, 12, 31))
            request = goal(act, "3.5", [3], 1, {"kind": "on_call", "trigger": "request"})
            hours = goal(act, "2.2", [2], 2, {"kind": "annual", "min_hours": 60})
            done = deliverable(request, partner, date(2026, 5, 1))
            review(done, "approved", utc(2026, 5, 2, 12), report=f"Relato do município {i}.")
            deliverable(hours, partner, date(2026, 12, 31))
            factories.training_record(network["admin"], institution_id=partner.id,
                                      start_on=date(2026, 6, 1), hours=8, participants=10)
            attended_event(utc(2026, 8, 1 + i, 15), {partner: True})
        db.session.commit()

    return add
