"""The kinds of notification, who can receive each, and how it is e-mailed by default."""

from dataclasses import dataclass

IMMEDIATE, DIGEST, OFF = "immediate", "digest", "off"
DELIVERIES = {
    IMMEDIATE: "Na hora",
    DIGEST: "Resumo diário",
    OFF: "Não enviar e-mail",
}


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # what the preferences page and the e-mail subject say
    # Who receives it, so whose preferences page lists it: "all", "partner", "seges" or one
    # role (SEGES owes deliverables too, so every deliverable kind is "all").
    audience: str
    default: str = IMMEDIATE
    short: str | None = None  # the e-mail subject, when the label is too long for one

    @property
    def subject(self) -> str:
        return self.short or self.label


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in [
        Kind("submission_returned", "Entrega devolvida pela SEGES", "all"),
        Kind("submission_approved", "Entrega aprovada pela SEGES", "all", DIGEST),
        Kind("new_deliverable",
             "Nova entrega (reunião, solicitação, mudança no cronograma de cursos)", "all",
             short="Nova entrega"),
        Kind("deliverable.reminder", "Lembrete de prazo (30, 7 e 1 dia antes)", "all",
             short="Lembrete de prazo"),
        Kind("deliverable.overdue", "Entrega atrasada (semanal)", "all",
             short="Entrega atrasada"),
        Kind("followup.pending",
             "Relato de acompanhamento pendente — pedido pela SEGES, não é prazo do plano "
             "(semanal)", "all", short="Relato de acompanhamento pendente"),
        Kind("adhesion.report_ready", "Relação mensal de adesões pronta para envio (C.4)",
             "partner", short="Relação de adesões pronta para envio (C.4)"),
        Kind("focal_point.access_granted", "Acesso ao Painel Gerencial concedido",
             "partner_manager"),
        Kind("forum.post", "Resposta em tópico ou categoria que acompanho", "all", DIGEST,
             short="Novidade no fórum"),
        Kind("forum.mention", "Menção a mim no fórum", "all"),
        Kind("forum.accepted", "Resposta aceita em tópico que acompanho ou minha", "all",
             DIGEST, short="Resposta aceita no fórum"),
        Kind("review.waiting", "Envios aguardando análise além do prazo", "seges"),
        Kind("adhesion.registered", "Novo Acordo de Adesão registrado", "seges_admin"),
        Kind("focal_point.painel_requested", "Pedido de acesso ao Painel Gerencial",
             "seges_admin"),
    ]
}

# Only for rows of a kind no longer listed: notify() refuses unknown kinds.
FALLBACK = Kind("other", "Outras notificações", "all")


def kind(code: str) -> Kind:
    return KINDS.get(code, FALLBACK)


def kinds_for(user) -> list[Kind]:
    """The kinds a user of this role can receive, in the order of KINDS."""
    audiences = {"all", "seges" if user.is_seges else "partner", str(user.role)}
    return [k for k in KINDS.values() if k.audience in audiences]
