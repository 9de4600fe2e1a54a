"""With the demo data: ``portal reminders send --today`` sends the expected mail, once,
through a real SMTP server on loopback.

The demo is loaded as if today were 01/04/2026 (its meeting, request and course dates follow
"today"). On 14/04/2026, worked out by hand:

* MG's C.4 "Adesões de 03/2026" (Contagem adhered on 16/03/2026) is still untouched: it is
  pre-filled and MG's two users are told (adhesion.report_ready, immediately);
* the request sent on 01/04 is due 21/04, 7 days away: MG's two users and Contagem's manager
  get a deadline reminder;
* MG's Painel indication (1.2), submitted on 03/04, has waited 11 days > 10: the two SEGES
  users are told;
* MG's yearly *relatos de acompanhamento* of 2025 (SEGES's follow-ups of its ten continuous
  goals, due 02/03/2026 = 31/03/2026 − 30 days, Sunday 01/03 moved to Monday) are 43 days
  past their date (29 days of March + 14), a weekly mark (1 + 6 × 7): the nine still open
  (3.1's was approved by the demo) are recalled to MG's two users, in the follow-up wording;
* the demo's own notifications whose kind defaults to the daily digest go out as one digest
  per person: MG's manager (banner 3.1 and course publicity 3.2 approved), MG's member (both
  approvals + the reply to the forum question) and the reviewer (the answer accepted);
* nothing else falls on that day: nothing is due 15/04 or 14/05 (the meeting of 15/04 is
  due on 08/05, its 15th business day after 21/04 and 01/05; the course change of 01/04 on
  18/05, its 30th after 03/04, 21/04 and 01/05), and nothing else is 1, 8, 15… days past
  due (C.4 of March: 4 days; SEGES's Relatório Anual 2025, due 31/03: 14 days).
"""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from portal.agreements.models import Goal
from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db

DEMO_DAY = date(2026, 4, 1)
RUN_DAY = "2026-04-14"

# MG's continuous goals with a follow-up still open (3.1's was approved by the demo).
FOLLOWUPS_OPEN = ("1.1", "1.5", "1.6", "2.3", "3.3", "3.7", "C.3", "C.5", "C.6")

EXPECTED = sorted([
    ("gestor@mg.exemplo.gov.br", "Relação de adesões pronta para envio (C.4) · Rede de Parcerias"),
    ("membro@mg.exemplo.gov.br", "Relação de adesões pronta para envio (C.4) · Rede de Parcerias"),
    ("gestor@mg.exemplo.gov.br", "Lembrete de prazo · Rede de Parcerias"),
    ("membro@mg.exemplo.gov.br", "Lembrete de prazo · Rede de Parcerias"),
    ("gestor@contagem.exemplo.gov.br", "Lembrete de prazo · Rede de Parcerias"),
    ("admin@seges.exemplo.gov.br", "Envios aguardando análise além do prazo · Rede de Parcerias"),
    ("revisor@seges.exemplo.gov.br", "Envios aguardando análise além do prazo · Rede de Parcerias"),
    ("gestor@mg.exemplo.gov.br", "Resumo diário: 2 notificações · Rede de Parcerias"),
    ("membro@mg.exemplo.gov.br", "Resumo diário: 3 notificações · Rede de Parcerias"),
    ("revisor@seges.exemplo.gov.br", "Resumo diário: 1 notificação · Rede de Parcerias"),
    *[(email, "Relato de acompanhamento pendente · Rede de Parcerias")
      for email in ("gestor@mg.exemplo.gov.br", "membro@mg.exemplo.gov.br")
      for _goal in FOLLOWUPS_OPEN],
])


@pytest.fixture
def demo_day():
    """The demo dates its meeting, request, courses and training from "today", and the
    digests gather what happened in the last day: the test lives on DEMO_DAY (the run's
    own date is given by --today)."""
    with time_machine.travel(datetime.combine(DEMO_DAY, time(15, 0), tzinfo=UTC)):
        yield


def _load_demo(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demonstracao-segura"])
    assert result.exit_code == 0, result.output
    painel = db.session.scalar(
        db.select(Submission).join(Deliverable).join(Goal)
        .where(Goal.code == "1.2", Submission.status == "submitted"))
    painel.submitted_at = datetime(2026, 4, 3, 13, 0, tzinfo=UTC)  # sent on 03/04
    db.session.commit()


def test_demo_reminders_arrive_once_through_smtp(app, demo_day, smtp):
    _load_demo(app)
    app.config["PUBLIC_URL"] = "https://rede.exemplo.gov.br"
    smtp.messages.clear()  # the demo's own immediate notifications

    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "send", "--today", RUN_DAY])
    assert first.exit_code == 0, first.output
    assert sorted((m["To"], m["Subject"]) for m in smtp.messages) == EXPECTED
    assert ("Enviados em 14/04/2026: 1 relação de adesões pré-preenchida, "
            "2 lembretes de prazo, 9 avisos de atraso, "
            "1 aviso de análise pendente à SEGES, "
            "3 resumos diários.") in first.output

    reminder = smtp.to("gestor@contagem.exemplo.gov.br")[0]
    text = smtp.text(reminder)
    assert "Lembrete: a meta 3.5 (Solicitação de 01/04/2026: Encaminhar as ações realizadas) " \
           "vence em 7 dias, em 21/04/2026." in text
    assert "https://rede.exemplo.gov.br/entregas/" in text
    sla = smtp.text(smtp.to("admin@seges.exemplo.gov.br")[0])
    assert "aguarda análise há 11 dias (prazo: 10 dias)" in sla
    followups = sorted(line for m in smtp.to("gestor@mg.exemplo.gov.br")
                       if m["Subject"].startswith("Relato de acompanhamento pendente")
                       for line in smtp.text(m).splitlines() if line.startswith("O relato"))
    assert followups == sorted(
        f"O relato de acompanhamento pedido pela SEGES da meta {code} (Relato de "
        "acompanhamento de 2025) está pendente desde 02/03/2026. Envie assim que possível."
        for code in FOLLOWUPS_OPEN)
    digest = smtp.text(next(m for m in smtp.to("membro@mg.exemplo.gov.br")
                            if m["Subject"].startswith("Resumo")))
    assert "A SEGES aprovou a meta 3.1" in digest

    again = runner.invoke(args=["reminders", "send", "--today", RUN_DAY])
    assert again.exit_code == 0, again.output
    assert "Enviados em 14/04/2026: nada." in again.output
    assert len(smtp.messages) == len(EXPECTED)


def test_dry_run_on_the_demo_lists_the_same_and_sends_nothing(app, demo_day, smtp):
    _load_demo(app)
    smtp.messages.clear()
    result = app.test_cli_runner().invoke(
        args=["reminders", "send", "--dry-run", "--today", RUN_DAY])
    assert result.exit_code == 0, result.output
    assert "[simulação] Relação de adesões pré-preenchida: meta C.4 (Adesões de 03/2026)" \
        in result.output
    assert "Seriam enviados em 14/04/2026:" in result.output
    assert smtp.messages == []
