"""Commands ``portal backup``, ``portal restore``, ``portal storage check`` and
``portal worker``."""

import logging
import signal
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from flask_babel import ngettext

from portal.core.mail import deliver_due
from portal.extensions import db
from portal.ops.backup import OpsError, create_backup, restore_backup
from portal.ops.storage_check import check_storage

log = logging.getLogger("portal.worker")


class _Refused(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(dest):
    """Gera um backup consistente (banco, arquivos de evidência e manifesto) em DEST.

    DEST é um arquivo .tar.gz ou .tar, ou uma pasta (o nome é gerado). O portal pode
    continuar atendendo durante o backup.
    """
    try:
        result = create_backup(dest)
    except OpsError as error:
        raise _Refused(error.message, error.exit_code) from None
    for warning in result.warnings:
        click.echo(f"Aviso: {warning}", err=True)
    manifest = result.manifest
    click.echo(
        f"Backup gravado em {result.path}: banco {manifest['database_backend']} "
        f"(revisão {manifest['schema_revision']}), "
        + ngettext("%(num)d arquivo.", "%(num)d arquivos.", len(manifest["files"]))
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Sobrescreve uma instância que já tem dados.")
@with_appcontext
def restore_command(archive, force):
    """Restaura um backup numa instância vazia (confere o manifesto antes de tudo)."""
    try:
        manifest = restore_backup(archive, force=force)
    except OpsError as error:
        raise _Refused(error.message, error.exit_code) from None
    click.echo(
        f"Backup de {manifest['created_at']} restaurado: "
        + ngettext("%(num)d arquivo", "%(num)d arquivos", len(manifest["files"]))
        + "; migrações aplicadas."
    )


storage_cli = AppGroup("storage", help="Arquivos de evidência.")


@storage_cli.command("check")
@click.option(
    "--repair-orphans",
    is_flag=True,
    help="Move os arquivos sem registro para UPLOAD_FOLDER/.orfaos/<data>/ (nunca apaga).",
)
def storage_check_command(repair_orphans):
    """Confere tamanho e SHA-256 de cada arquivo referenciado e lista os órfãos."""
    report = check_storage(repair_orphans=repair_orphans)
    for problem in report.problems:
        click.echo(problem)
    moved = dict(report.moved)
    for relative in report.orphans:
        if relative in moved:
            click.echo(f"Arquivo órfão (sem registro): {relative} → movido para {moved[relative]}")
        elif relative in report.recent_orphans:
            click.echo(f"Arquivo órfão (sem registro): {relative} (recente; não movido)")
        else:
            click.echo(f"Arquivo órfão (sem registro): {relative}")
    click.echo(
        ngettext("%(num)d arquivo verificado", "%(num)d arquivos verificados", report.checked)
        + "; " + ngettext("%(num)d problema", "%(num)d problemas", len(report.problems))
        + "; " + ngettext("%(num)d órfão", "%(num)d órfãos", len(report.orphans))
        + ", " + ngettext("%(num)d movido", "%(num)d movidos", len(report.moved)) + "."
    )
    if not report.ok:
        raise click.exceptions.Exit(1)


@click.command("worker")
@click.option("--once", is_flag=True, help="Envia o que estiver pendente e termina.")
@click.option("--interval", default=5.0, show_default=True,
              help="Segundos entre as verificações da fila.")
@with_appcontext
def worker_command(once: bool, interval: float):
    """Envia os e-mails da fila (tabela outbox_messages), com novas tentativas.

    Sem --once, fica em execução até receber SIGTERM ou SIGINT (systemd, Ctrl+C) e termina
    depois do e-mail em andamento.
    """
    stopping = []  # set by the signal handler: only a flag, nothing that takes a lock
    if not once:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda signum, _frame: stopping.append(signum))
        click.echo(f"Envio de e-mails em execução (verifica a fila a cada {interval:g} s).")
    while True:
        try:
            report = deliver_due()
        except Exception:  # the database away for a moment: try again, never die of it
            if once:
                raise
            log.exception("Falha ao ler a fila de e-mails; nova tentativa em %g s.", interval)
            db.session.remove()
            report = None
        if report is not None and (report.sent or report.retried or report.failed or once):
            click.echo("E-mails: " + ngettext("%(num)d enviado", "%(num)d enviados", report.sent)
                       + f", {report.retried} a tentar de novo, {report.failed} com falha "
                       "definitiva.")
        if once or stopping:
            break
        if report is None or not report.more:
            _sleep(interval, stopping)
        if stopping:
            break
    db.session.remove()
    if not once:
        click.echo("Envio de e-mails encerrado.")


def _sleep(seconds: float, stopping: list) -> None:
    """Wait up to ``seconds``, in short steps, so that a signal ends the wait at once."""
    deadline = time.monotonic() + seconds
    while not stopping and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.2))


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(storage_cli)
