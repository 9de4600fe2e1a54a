"""``portal reminders send``: the daily job (cron or a systemd timer)."""

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import ngettext

from portal.core.clock import local_today
from portal.core.formatting import format_date
from portal.core.urls import OFFLINE, public_base
from portal.extensions import db
from portal.notifications import reminders

reminders_cli = AppGroup("reminders", help="Lembretes, relação mensal de adesões e resumos.")

WHAT = {  # singular, plural
    "adesões": ("relação de adesões pré-preenchida", "relações de adesões pré-preenchidas"),
    "prazo": ("lembrete de prazo", "lembretes de prazo"),
    "atraso": ("aviso de atraso", "avisos de atraso"),
    "análise": ("aviso de análise pendente à SEGES", "avisos de análise pendente à SEGES"),
    "resumo": ("resumo diário", "resumos diários"),
}


@reminders_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Só lista o que seria enviado; não grava nada.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Roda como se hoje fosse AAAA-MM-DD (padrão: hoje em Brasília).")
def send_command(dry_run, today):
    """Envia os lembretes do dia e dos dias perdidos desde a última execução bem-sucedida
    (idempotente: rodar de novo não repete nada)."""
    day = today.date() if today else local_today()
    if not current_app.config.get("PUBLIC_URL") and not dry_run:  # development only
        click.echo("Aviso: PORTAL_PUBLIC_URL não configurado; os links dos e-mails usarão "
                   f"{public_base()}.", err=True)
    # Notifications link to pages: build their URLs as the public site would.
    with current_app.test_request_context(
        "/", base_url=public_base(), environ_overrides={OFFLINE: True}
    ):
        report = reminders.send(day, dry_run=dry_run)
        db.session.commit()
    prefix = "[simulação] " if dry_run else ""
    if report.since and report.since < day:
        click.echo(f"{prefix}Recuperando os dias sem execução: de {format_date(report.since)} "
                   f"a {format_date(day)}.")
    for line in report.lines:
        click.echo(f"{prefix}{line}")
    summary = ", ".join(ngettext(f"%(num)d {one}", f"%(num)d {many}", report.counts[key])
                        for key, (one, many) in WHAT.items() if report.counts.get(key))
    verb = "Seriam enviados" if dry_run else "Enviados"
    click.echo(f"{verb} em {format_date(day)}: {summary or 'nada'}.")
