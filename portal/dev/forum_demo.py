"""Forum demo content: a solved question about meta 1.2 and a good practice from MG."""

from portal.agreements.models import Agreement, Goal
from portal.extensions import db
from portal.forum import services
from portal.forum.models import Category, Topic

QUESTION_TITLE = "Como solicitar o acesso ao Painel Gerencial (meta 1.2)?"
PRACTICE_TITLE = "Boa prática: rede de multiplicadores regionais em Minas Gerais"


def load_forum_demo(users_by_email: dict) -> None:
    """Create the demo topics that are missing (idempotent: looked up by title)."""
    services.ensure_default_categories()
    slugs = {c.slug: c for c in db.session.scalars(db.select(Category))}
    member = users_by_email.get("membro@mg.exemplo.gov.br")
    reviewer = users_by_email.get("revisor@seges.exemplo.gov.br")
    manager = users_by_email.get("gestor@mg.exemplo.gov.br")
    if member and reviewer and not _exists(QUESTION_TITLE):
        goal = db.session.scalar(
            db.select(Goal)
            .join(Goal.agreement)
            .where(Goal.code == "1.2", Agreement.partner_id == member.institution_id)
            .limit(1)
        )
        topic = services.create_topic(
            slugs["melhoria-da-gestao"],
            by=member,
            title=QUESTION_TITLE,
            body=(
                "Indicamos os servidores para o Painel Gerencial dentro do prazo da meta 1.2, "
                "mas eles ainda não conseguem entrar. **Qual é o procedimento** para que o "
                "acesso seja liberado? Precisamos enviar algum documento além do ofício?"
            ),
            goal_id=goal.id if goal else None,
        )
        answer = services.reply(
            topic,
            by=reviewer,
            body=(
                "Olá! Depois da indicação, a SEGES cadastra os servidores em até 10 dias "
                "(meta 1.3). Confira se o CPF e o e-mail institucional de cada servidor estão "
                "corretos na página da instituição, em *Servidores indicados*.\n\n"
                "Se o prazo já passou, escreva para rededeparcerias@gestao.gov.br."
            ),
        )
        services.accept_answer(answer, by=member)
    if manager and not _exists(PRACTICE_TITLE):
        services.create_topic(
            slugs["boas-praticas"],
            by=manager,
            title=PRACTICE_TITLE,
            body=(
                "Organizamos os multiplicadores da meta 2.1 por região do estado:\n\n"
                "1. um multiplicador de referência por região;\n"
                "2. turmas híbridas com as prefeituras aderentes;\n"
                "3. relatório trimestral das horas de capacitação.\n\n"
                "Com isso, passamos das 60 horas anuais já no primeiro semestre. "
                "Ficamos à disposição para trocar experiências!"
            ),
        )


def _exists(title: str) -> bool:
    return db.session.scalar(db.select(Topic.id).where(Topic.title == title)) is not None


__all__ = ["load_forum_demo"]
