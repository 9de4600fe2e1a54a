"""Synthetic federation for benchmarks and load tests (`portal synth`).

Deterministic for a given ``seed`` and ``today``: the same arguments give the same rows with
the same ids. Everything goes in with bulk inserts (executemany, COPY on PostgreSQL for big
batches) on an empty, migrated database, with explicit ids; sequences are moved past them at
the end. Deliverables come from the real schedule engine (``generate_for_agreements``); the
forum search index is rebuilt in SQL (``search.rebuild``).

What is synthetic and what is not:
- institutions: SEGES, 27 states (governos), municipalities named from syllables and common
  prefixes, spread over the UFs by their real counts (5,570 at full size, capitals with real
  names), and federal bodies, courts, control bodies, legislatures, universities and OSCs;
- first layer (ACT with SEGES, the seed Plano de Trabalho, ``years``-year terms started over
  the last ``years`` years): states, capitals, a share of the others (~280 at full size);
  second layer: every other municipality adheres to its state's ACT, other bodies to a
  first-layer partner of their UF;
- deliverables past due are in every status, with submissions (returned versions before the
  last one), evidence rows (links and files; files are rows only — no bytes on disk, so
  their downloads answer 404) and reviews; SEGES owes its own share;
- training records, focal points, the course schedule, forum topics and posts (one topic
  with 200 posts), watches and read marks of the authors. No audit events or notifications.
"""

import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from sqlalchemy import func, insert, text, update

from portal.agreements.models import Agreement, AgreementParty, Goal
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.core.clock import local_today
from portal.core.exceptions import DomainError
from portal.core.markdown import render_markdown
from portal.core.search import fold
from portal.courses.models import Course, CourseClass
from portal.deliverables import generation
from portal.deliverables.models import REASONS, Deliverable, Evidence, Review, Submission
from portal.extensions import db
from portal.focal_points.models import FocalPoint
from portal.forum import search
from portal.forum.models import Category, Post, Topic, TopicRead, Watch
from portal.forum.services import ensure_default_categories
from portal.institutions.models import UFS, Institution
from portal.plans.importer import goal_roles, parse_plan, read_seed_plan
from portal.schedule import engine as schedule
from portal.training.models import TrainingRecord

# Municipalities per UF (IBGE: 5,570 including Brasília and Fernando de Noronha) and capitals.
MUNICIPALITIES = {
    "AC": 22, "AL": 102, "AP": 16, "AM": 62, "BA": 417, "CE": 184, "DF": 1, "ES": 78,
    "GO": 246, "MA": 217, "MT": 141, "MS": 79, "MG": 853, "PA": 144, "PB": 223, "PR": 399,
    "PE": 185, "PI": 224, "RJ": 92, "RN": 167, "RS": 497, "RO": 52, "RR": 15, "SC": 295,
    "SP": 645, "SE": 75, "TO": 139,
}
CAPITALS = {
    "AC": "Rio Branco", "AL": "Maceió", "AP": "Macapá", "AM": "Manaus", "BA": "Salvador",
    "CE": "Fortaleza", "DF": "Brasília", "ES": "Vitória", "GO": "Goiânia", "MA": "São Luís",
    "MT": "Cuiabá", "MS": "Campo Grande", "MG": "Belo Horizonte", "PA": "Belém",
    "PB": "João Pessoa", "PR": "Curitiba", "PE": "Recife", "PI": "Teresina",
    "RJ": "Rio de Janeiro", "RN": "Natal", "RS": "Porto Alegre", "RO": "Porto Velho",
    "RR": "Boa Vista", "SC": "Florianópolis", "SP": "São Paulo", "SE": "Aracaju", "TO": "Palmas",
}
# MG and ES first: the demo's logins live there (see LOGINS).
STATE_ORDER = ["MG", "ES", *sorted(uf for uf in UFS if uf not in ("MG", "ES"))]

PREFIXES = ["São ", "Santa ", "Santo ", "Nova ", "Bom Jesus do ", "Porto ", "Campo ", "Monte ",
            "Barra do ", "Serra ", "Lagoa ", "Rio ", "Santana do ", "Conceição do ", "Vila ",
            "Alto ", "Boa Vista do ", "Ribeirão ", "Palmeira ", "Pedra "]
ROOTS = ["Ita", "Ara", "Cara", "Pira", "Guara", "Jaca", "Ibi", "Tupi", "Cam", "Ipa", "Mara",
         "Tau", "Cori", "Bura", "Jua", "Pacu", "Itu", "Capi", "Mo", "Sapu", "Ubá", "Iguá",
         "Tere", "Baca", "Cana", "Pari", "Queima", "Ari"]
ENDINGS = ["tiba", "guá", "nema", "pora", "juba", "ranga", "cema", "tinga", "pema", "lina",
           "quara", "raí", "nhém", "pitanga", "buçu", "poã", "runa", "batã", "rema", "tuba"]
SAINTS = ["José", "Francisco", "Miguel", "Pedro", "João", "Sebastião", "Antônio", "Luzia",
          "Rita", "Isabel", "Cruz", "Helena", "Bárbara", "Tereza"]
SUFFIXES = ["", "", "", "", " do Sul", " do Norte", " da Serra", " Alegre", " Grande",
            " Velho", " d'Oeste", " do Campo", " das Flores", " dos Campos"]

FIRST_NAMES = ["Ana", "Maria", "José", "João", "Antônio", "Francisca", "Carlos", "Paulo",
               "Pedro", "Lucas", "Luiz", "Marcos", "Luís", "Gabriel", "Rafael", "Daniel",
               "Marcelo", "Bruno", "Eduardo", "Felipe", "Juliana", "Adriana", "Fernanda",
               "Patrícia", "Aline", "Camila", "Amanda", "Bruna", "Letícia", "Mariana",
               "Helena", "Beatriz", "Larissa", "Tiago", "Rodrigo", "Renata", "Cláudia"]
LAST_NAMES = ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves",
              "Pereira", "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida",
              "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nunes",
              "Moreira", "Cavalcanti", "Mendes", "Araújo", "Teixeira", "Freitas", "Batista"]

FEDERAL_BODIES = ["Ministério da Saúde", "Ministério da Educação", "Ministério da Fazenda",
                  "Ministério do Desenvolvimento e Assistência Social", "Ministério das Cidades",
                  "Ministério da Agricultura e Pecuária", "Ministério do Meio Ambiente",
                  "Controladoria-Geral da União", "Advocacia-Geral da União",
                  "Escola Nacional de Administração Pública", "Instituto Nacional do Seguro "
                  "Social", "Fundação Nacional de Saúde", "Instituto Brasileiro de Geografia e "
                  "Estatística", "Ministério da Integração e do Desenvolvimento Regional",
                  "Ministério do Trabalho e Emprego", "Ministério da Cultura"]
OTHER_KINDS = [
    # (name template, sphere, elo); {uf} is the state's name, {city} a municipality.
    ("Tribunal de Contas do Estado de {state}", "estadual", "Contas e Controle"),
    ("Tribunal de Justiça do Estado de {state}", "estadual", "Justiça"),
    ("Assembleia Legislativa do Estado de {state}", "estadual", "Legislativo"),
    ("Ministério Público do Estado de {state}", "estadual", "Justiça"),
    ("Controladoria-Geral do Estado de {state}", "estadual", "Contas e Controle"),
    ("Universidade Estadual de {city}", "estadual", "Ensino"),
    ("Câmara Municipal de {city}", "municipal", "Legislativo"),
    ("Instituto {city} de Cidadania", "outra", "OSC"),
    ("Associação dos Municípios de {state}", "outra", "OSC"),
    ("Consórcio Intermunicipal de {city}", "municipal", "Outros"),
]

TOPIC_TITLES = [
    "Como comprovar a meta {code} no relato anual?",
    "Dúvida sobre o prazo da meta {code}",
    "Qual evidência a SEGES aceita para a meta {code}?",
    "Modelo de relatório para {subject}",
    "Experiência com {subject} em {city}",
    "{subject}: alguém já fez?",
    "Sugestão de curso sobre {subject}",
    "Problema ao anexar arquivos na meta {code}",
    "Como registrar {subject} no portal?",
    "Boas práticas de {subject}",
]
SUBJECTS = ["prestação de contas no Transferegov", "chamamento público de OSC",
            "capacitação de multiplicadores", "termo de fomento", "acordo de cooperação",
            "plano de trabalho", "painel gerencial", "transparência ativa",
            "monitoramento de parcerias", "emendas parlamentares", "banner da Rede",
            "gestão de convênios", "Marco Regulatório das Organizações da Sociedade Civil",
            "comissão de seleção", "relatório de execução do objeto", "fórum regional",
            "reunião técnica", "trilha de aprendizagem", "ouvidoria", "dados abertos"]
SENTENCES = [
    "Aqui no {org} nós organizamos {subject} com uma equipe pequena e deu certo.",
    "A orientação da SEGES foi anexar a lista de presença e o relatório assinado.",
    "Para a meta {code}, enviamos o relato com os links das publicações oficiais.",
    "Alguém tem um modelo de {doc} que possa compartilhar?",
    "O prazo de {subject} costuma coincidir com o fechamento do exercício.",
    "Usamos o Transferegov para acompanhar os repasses e gerar os relatórios.",
    "A capacitação teve {hours} horas e {people} participantes de várias secretarias.",
    "Sugiro conversar com o ponto focal da Rede no seu estado antes de enviar.",
    "Nosso multiplicador replicou o curso de {subject} para os municípios da região.",
    "A devolução aconteceu porque a evidência não cobria o período informado.",
    "Publicamos o banner no portal e a notícia na intranet, com captura de tela.",
    "Vale registrar também as reuniões com as organizações da sociedade civil.",
    "Conseguimos cumprir as {hours} horas anuais combinando cursos a distância e presenciais.",
    "O {doc} precisa estar assinado e digitalizado em PDF.",
    "Obrigado pela resposta, vou seguir essa orientação.",
    "Na nossa experiência o chamamento público ficou mais simples com o edital padrão.",
    "A comissão de monitoramento e avaliação se reúne a cada trimestre.",
    "Há alguma novidade sobre o calendário de cursos do próximo semestre?",
]
DOCS = ["relatório de execução", "plano de trabalho", "termo de adesão", "edital de chamamento",
        "parecer técnico", "relatório anual", "ofício", "lista de presença"]
COURSE_TITLES = ["Gestão de parcerias com OSC (MROSC)", "Prestação de contas no Transferegov",
                 "Elaboração de plano de trabalho", "Monitoramento e avaliação de parcerias",
                 "Chamamento público na prática", "Transparência e dados abertos",
                 "Formação de multiplicadores da Rede", "Gestão de convênios e contratos de "
                 "repasse", "Comunicação pública para a Rede", "Emendas parlamentares",
                 "Governança e integridade em parcerias", "Análise de riscos em transferências"]

# The demo's logins (DESIGN §5): same e-mails and roles, so the same journeys work here.
LOGINS = [
    ("admin@seges.exemplo.gov.br", "Ana Administradora", "seges_admin", "seges"),
    ("revisor@seges.exemplo.gov.br", "Rafael Revisor", "seges_reviewer", "seges"),
    ("gestor@mg.exemplo.gov.br", "Gabriela Gestora (MG)", "partner_manager", "MG"),
    ("membro@mg.exemplo.gov.br", "Marcos Membro (MG)", "partner_member", "MG"),
    ("gestor@es.exemplo.gov.br", "Helena Gestora (ES)", "partner_manager", "ES"),
    ("gestor@contagem.exemplo.gov.br", "Caio Gestor (Contagem)", "partner_manager", "contagem"),
]
KNOWN_CNPJS = {"seges": "00489828000155", "MG": "50941185000107", "ES": "27080530000143",
               "contagem": "18715508000131"}

BATCH = 20_000


@dataclass(frozen=True)
class Sizes:
    institutions: int = 6000
    users: int = 30_000
    years: int = 5
    topics: int = 50_000
    posts: int = 500_000


def synthesize(sizes: Sizes, *, seed: int = 1, password: str, today: date | None = None,
               echo=print) -> dict[str, int]:
    """Fill an empty, migrated database; returns the row count of each table filled."""
    if sizes.institutions < 5 or sizes.users < len(LOGINS) or sizes.years < 1:
        raise DomainError("Use ao menos 5 instituições, 6 usuários e 1 ano.")
    if sizes.topics < 1 or sizes.posts < sizes.topics:
        raise DomainError("Cada tópico tem ao menos uma mensagem: --posts ≥ --topics ≥ 1.")
    if db.session.scalar(db.select(Institution.id).limit(1)) is not None:
        raise DomainError("O banco não está vazio: a federação sintética só é gerada num banco "
                          "recém-migrado (portal db upgrade).")
    return _Synth(sizes, seed, password, today or local_today(), echo).run()


class _Synth:
    def __init__(self, sizes: Sizes, seed: int, password: str, today: date, echo):
        self.sizes, self.seed, self.today, self.echo = sizes, seed, today, echo
        self.rng = random.Random(seed)
        self.password_hash = hash_password(password)  # once: every account shares it
        self.now = datetime.combine(today, dtime(15, 0), tzinfo=UTC)
        self.counts: dict[str, int] = {}
        self.postgres = db.session.get_bind().dialect.name == "postgresql"

    # Plumbing --------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        started = time.perf_counter()
        for step in (self.institutions, self.users, self.agreements, self.deliverables,
                     self.submissions, self.network, self.forum, self.finish):
            began = time.perf_counter()
            step()
            db.session.commit()
            self.echo(f"  {step.__name__:<14} {time.perf_counter() - began:7.1f} s")
        self.echo(f"  {'total':<14} {time.perf_counter() - started:7.1f} s")
        return self.counts

    def insert(self, table, rows: list[dict]) -> None:
        """Bulk insert (COPY on PostgreSQL for big batches, as generation._insert does)."""
        if not rows:
            return
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        connection = db.session.connection()
        if not self.postgres or len(rows) < 1000:
            for first in range(0, len(rows), BATCH):
                db.session.execute(insert(table), rows[first:first + BATCH])
            return
        columns = [c for c in table.columns if c.name in rows[0] or c.default is not None]
        defaults = {c.name: _default(c) for c in columns if c.name not in rows[0]}
        json_columns = {c.name for c in columns if c.type.__class__.__name__ == "JSON"}
        raw = connection.connection.driver_connection
        names = ", ".join(c.name for c in columns)
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for column in columns:
                    value = row[column.name] if column.name in row else defaults[column.name]
                    if column.name in json_columns:
                        value = json.dumps(value)
                    values.append(value)
                copy.write_row(values)

    def moment(self, start: date, end: date) -> datetime:
        """A UTC datetime on a working hour between two dates (clamped to now)."""
        if end < start:
            end = start
        day = start + timedelta(days=self.rng.randint(0, (end - start).days))
        moment = datetime.combine(day, dtime(self.rng.randint(11, 21), self.rng.randint(0, 59)),
                                  tzinfo=UTC)
        return min(moment, self.now - timedelta(minutes=self.rng.randint(5, 600)))

    # Institutions ----------------------------------------------------------------------

    def institutions(self) -> None:
        rng, n = self.rng, self.sizes.institutions - 1  # SEGES apart
        states = STATE_ORDER[: 27 if n >= 300 else max(2, n // 10)]
        cities_total = min(5570, round((n - len(states)) * 5570 / 5972))
        per_uf = _apportion({uf: MUNICIPALITIES[uf] for uf in states}, cities_total)
        others = n - len(states) - sum(per_uf.values())
        self.rows: list[dict] = []
        self.by_key: dict[str, int] = {}
        cnpjs = iter(range(10_000_000, 99_999_999, 7919))

        def add(key, name, sphere, uf, elo, acronym=None, **extra) -> int:
            cnpj = KNOWN_CNPJS.get(key) or _cnpj(next(cnpjs))
            row = {"id": len(self.rows) + 1, "name": name, "acronym": acronym, "cnpj": cnpj,
                   "sphere": sphere, "uf": uf, "elo": elo, "parent_id": None,
                   "is_secretariat": False, "created_at": self.now, **extra}
            self.rows.append(row)
            self.by_key[key] = row["id"]
            return row["id"]

        add("seges", "Secretaria de Gestão e Inovação do Ministério da Gestão e da Inovação em "
            "Serviços Públicos", "federal", None, "União", "MGI/SEGES", is_secretariat=True)
        for uf in states:
            sphere = "distrital" if uf == "DF" else "estadual"
            article = "do" if uf in ("AC", "AP", "AM", "CE", "ES", "MA", "PA", "PR", "PI", "RJ",
                                     "RN", "RS", "TO", "DF") else "de"
            if uf in ("BA", "PB"):
                article = "da"
            name = ("Governo do Distrito Federal" if uf == "DF"
                    else f"Governo do Estado {article} {UFS[uf]}")
            add(uf, name,
                sphere, uf, "Estados", f"GOV/{uf}")
        self.cities: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.first_layer: list[int] = [self.by_key[uf] for uf in states]
        for uf in states:
            names = _city_names(rng, uf, per_uf[uf])
            for index, city in enumerate(names):
                key = "contagem" if (uf, city) == ("MG", "Contagem") else f"{uf}:{index}"
                sphere = "distrital" if uf == "DF" else "municipal"
                institution_id = add(key, f"Prefeitura Municipal de {city}", sphere, uf,
                                     "Municípios", "PM" + "".join(w[0] for w in city.split()
                                                                   if w[0].isupper()))
                self.cities[uf].append((institution_id, city))
                if index == 0 or rng.random() < 0.006:  # capitals and a few big cities
                    self.first_layer.append(institution_id)
        all_cities = [c for uf in states for _, c in self.cities[uf]]
        for index in range(others):
            if index < len(FEDERAL_BODIES):
                institution_id = add(f"fed:{index}", FEDERAL_BODIES[index], "federal", None,
                                     "União")
            else:
                template, sphere, elo = OTHER_KINDS[index % len(OTHER_KINDS)]
                uf = states[rng.randrange(len(states))]
                name = template.format(state=UFS[uf], city=rng.choice(all_cities))
                institution_id = add(f"other:{index}", f"{name} {index // len(OTHER_KINDS)}"
                                     if index >= len(OTHER_KINDS) * 27 else name, sphere, uf, elo)
            if index < len(FEDERAL_BODIES) or rng.random() < 0.55:
                self.first_layer.append(institution_id)
        self.first_layer_set = set(self.first_layer)
        # Second layer: municipalities under their state, the others under a partner of the UF.
        firsts_by_uf = defaultdict(list)
        for institution_id in self.first_layer:
            firsts_by_uf[self.rows[institution_id - 1]["uf"]].append(institution_id)
        for row in self.rows[1:]:
            if row["id"] in self.first_layer_set:
                continue
            if row["elo"] == "Municípios":
                row["parent_id"] = self.by_key[row["uf"]]
            else:
                row["parent_id"] = rng.choice(firsts_by_uf.get(row["uf"]) or self.first_layer)
        # Parents first: SQLite checks foreign keys row by row.
        parents_first = sorted(self.rows, key=lambda r: r["parent_id"] is not None)
        self.insert(Institution.__table__, parents_first)

    # Users -----------------------------------------------------------------------------

    def users(self) -> None:
        rng, total = self.rng, self.sizes.users
        seges = self.by_key["seges"]
        rows = []
        self.members: dict[int, list[int]] = defaultdict(list)
        self.reviewers: list[int] = []

        def add(email, name, role, institution_id):
            row = {"id": len(rows) + 1, "email": email, "name": name, "role": role,
                   "institution_id": institution_id, "password_hash": self.password_hash,
                   "active": True, "session_version": 1, "created_at": self.now,
                   "activated_at": self.now}
            rows.append(row)
            if role.startswith("seges"):
                self.reviewers.append(row["id"])
            else:
                self.members[institution_id].append(row["id"])

        for email, name, role, key in LOGINS:
            add(email, name, role, self.by_key.get(key, self.by_key["MG"]))
        seges_count = max(2, total // 300)
        partners = [r["id"] for r in self.rows if not r["is_secretariat"]]
        weights = [5 if p in self.first_layer_set else 1 for p in partners]
        managers = partners[: max(0, min(len(partners), total - seges_count - len(rows)))]
        plan = ([("seges_admin" if i % 10 == 0 else "seges_reviewer", seges)
                 for i in range(seges_count - 2)]
                + [("partner_manager", p) for p in managers])
        extra = total - len(rows) - len(plan)
        plan += [("partner_member", p) for p in rng.choices(partners, weights, k=max(0, extra))]
        for role, institution_id in plan:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            number = len(rows) + 1
            add(f"{_ascii(first)}.{_ascii(last)}.{number}@rede.exemplo.gov.br",
                f"{first} {rng.choice(LAST_NAMES)} {last}", role, institution_id)
        self.user_ids = [r["id"] for r in rows]
        self.insert(User.__table__, rows)

    # Agreements, goals, deliverables ---------------------------------------------------

    def agreements(self) -> None:
        rng, years = self.rng, self.sizes.years
        plan = parse_plan(read_seed_plan())
        adherent_codes = set(plan["adherent_goal_codes"])
        goals = [{"code": g["code"], "position": p, "axes": g.get("axes") or [],
                  "description": g["description"], "deadline_text": g.get("deadline_text") or "",
                  "schedule": schedule.validate_schedule(g["schedule"]),
                  "responsible": g["responsible"],
                  "roles": goal_roles(g["description"], g["schedule"], g["responsible"])}
                 for p, g in enumerate(plan["goals"], 1)]
        agreements, parties, goal_rows = [], [], []
        self.act_of: dict[int, dict] = {}
        self.goals_of: dict[int, list[dict]] = {}
        seges = self.by_key["seges"]
        span = max(60, int(years * 365 * 0.8))
        for number, partner in enumerate(self.first_layer, 1):
            start = self.today - timedelta(days=rng.randint(30, span))
            if partner == self.by_key.get("MG"):
                start = self.today - timedelta(days=min(span, 400))  # history and a future
            row = {"id": len(agreements) + 1, "kind": "ACT", "number": f"{number}/{start.year}",
                   "work_plan_number": "01/" + str(start.year), "sei_process": None,
                   "object": plan["agreement"].get("object") or "", "axes": [1, 2, 3],
                   "signed_on": start - timedelta(days=rng.randint(5, 40)), "term_start": start,
                   "term_end": schedule.term_end(start, years), "partner_id": partner,
                   "parent_id": None, "created_at": self.now}
            agreements.append(row)
            self.act_of[partner] = row
            parties += [{"agreement_id": row["id"], "institution_id": seges, "position": 1},
                        {"agreement_id": row["id"], "institution_id": partner, "position": 2}]
            self.goals_of[row["id"]] = []
            for goal in goals:
                goal_row = {**goal, "id": len(goal_rows) + 1, "agreement_id": row["id"],
                            "applies_to_adherents": goal["code"] in adherent_codes}
                goal_rows.append(goal_row)
                self.goals_of[row["id"]].append(goal_row)
        self.adhesion_months: dict[int, set[date]] = defaultdict(set)
        for institution in self.rows:
            if institution["parent_id"] is None or institution["is_secretariat"]:
                continue
            parent = self.act_of[institution["parent_id"]]
            latest = min(parent["term_end"], self.today + timedelta(days=60))
            signed = parent["term_start"] + timedelta(
                days=rng.randint(0, max(0, (latest - parent["term_start"]).days)))
            row = {"id": len(agreements) + 1, "kind": "TA", "number": None,
                   "work_plan_number": None, "sei_process": None,
                   "object": f"Adesão ao ACT nº {parent['number']}", "axes": [1, 2, 3],
                   "signed_on": signed, "term_start": signed, "term_end": parent["term_end"],
                   "partner_id": institution["id"], "parent_id": parent["id"],
                   "created_at": self.now}
            agreements.append(row)
            parties += [{"agreement_id": row["id"], "institution_id": parent["partner_id"],
                         "position": 1},
                        {"agreement_id": row["id"], "institution_id": institution["id"],
                         "position": 2}]
            self.adhesion_months[parent["id"]].add(signed.replace(day=1))
            for goal in self.goals_of[parent["id"]]:
                if goal["applies_to_adherents"]:
                    goal_rows.append({**goal, "id": len(goal_rows) + 1, "agreement_id": row["id"],
                                      "responsible": "partner", "applies_to_adherents": False,
                                      "roles": [r for r in goal["roles"] if r != "annual_report"]})
        self.agreement_ids = [a["id"] for a in agreements]
        self.insert(Agreement.__table__, agreements)
        self.insert(AgreementParty.__table__, parties)
        self.insert(Goal.__table__, goal_rows)
        self.goal_ids = [g["id"] for g in goal_rows if g["agreement_id"] in self.goals_of]

    def deliverables(self) -> None:
        db.session.commit()
        created = generation.generate_for_agreements(self.agreement_ids, batch_size=500)
        # C.4: each parent lists the month's adhesions by the 10th of the next month.
        rows = []
        acts = {a["id"]: a for a in self.act_of.values()}
        for agreement_id, months in sorted(self.adhesion_months.items()):
            goal = next(g for g in self.goals_of[agreement_id]
                        if g["schedule"]["kind"] == "monthly_after_event")
            partner = acts[agreement_id]
            for month in sorted(months):
                period = schedule.event_period(goal["schedule"], event_key=f"adesoes-{month:%Y-%m}",
                                               event_date=month, label=f"Adesões de {month:%m/%Y}")
                rows.append({"goal_id": goal["id"], "institution_id": partner["partner_id"],
                             "period_key": period.key, "period_label": period.label,
                             "opens_on": period.opens_on, "due_on": period.due_on,
                             "status": "pending"})
        self.insert(Deliverable.__table__, rows)
        self.counts["deliverables"] = created + len(rows)

    # Statuses, submissions, evidence, reviews ------------------------------------------

    def submissions(self) -> None:
        rng, today = self.rng, self.today
        seges = self.by_key["seges"]
        next_submission = 1
        last_id = 0
        unseen = ["approved", "waived", "submitted", "returned", "draft"]  # every status, always
        while True:
            chunk = db.session.execute(
                db.select(Deliverable.id, Deliverable.institution_id, Deliverable.opens_on,
                          Deliverable.due_on).where(Deliverable.id > last_id)
                .order_by(Deliverable.id).limit(BATCH)).all()
            if not chunk:
                break
            last_id = chunk[-1][0]
            statuses: dict[str, list[int]] = defaultdict(list)
            submissions, evidence, reviews = [], [], []
            for deliverable_id, institution_id, opens_on, due_on in chunk:
                status = _status(rng, due_on, today)
                if unseen and due_on < today and institution_id != seges:
                    status = unseen.pop(0)
                if status == "pending":
                    continue
                statuses[status].append(deliverable_id)
                if status == "waived":
                    continue
                authors = self.members.get(institution_id) or (
                    self.reviewers if institution_id == seges else [None])
                author = rng.choice(authors)
                versions = 1 + (rng.random() < 0.25) + (rng.random() < 0.05)
                if status == "returned":
                    versions = max(1, versions - 1)
                begin = min(opens_on, today)
                for version in range(1, versions + 1):
                    last = version == versions
                    state = {"draft": "draft", "submitted": "submitted", "approved": "approved",
                             "returned": "returned"}[status] if last else "returned"
                    created = self.moment(begin, min(due_on + timedelta(days=20), today))
                    sent = None if state == "draft" else created + timedelta(
                        hours=rng.randint(1, 72))
                    if sent is not None and sent > self.now:
                        sent = self.now - timedelta(minutes=rng.randint(1, 120))
                    sub_id = next_submission
                    next_submission += 1
                    submissions.append({
                        "id": sub_id, "deliverable_id": deliverable_id, "version": version,
                        "status": state, "report": _report(rng),
                        "covers_from": opens_on, "covers_to": due_on, "author_id": author,
                        "submitted_by_id": author if sent else None, "created_at": created,
                        "updated_at": sent or created, "submitted_at": sent})
                    for _ in range(rng.choice((1, 1, 2, 3))):
                        evidence.append(_evidence(rng, sub_id, author, created))
                    if state in ("approved", "returned"):
                        reviewer = rng.choice(self.reviewers)
                        if reviewer == author and len(self.reviewers) > 1:
                            reviewer = next(r for r in self.reviewers if r != author)
                        returned = state == "returned"
                        reviews.append({
                            "submission_id": sub_id, "reviewer_id": reviewer,
                            "decision": state,
                            "reason_code": rng.choice(list(REASONS)) if returned else None,
                            "comment": "Complementar as evidências do período." if returned
                            else "", "created_at": min(sent + timedelta(days=rng.randint(1, 20)),
                                                       self.now)})
                    begin = (sent or created).date()
            for status, ids in sorted(statuses.items()):
                for first in range(0, len(ids), 1000):
                    values = {"status": status}
                    if status == "waived":
                        values |= {"waiver_reason": "Meta dispensada pela SEGES por não se "
                                   "aplicar ao partícipe neste período.",
                                   "status_before_waiver": "pending"}
                    db.session.execute(update(Deliverable).where(
                        Deliverable.id.in_(ids[first:first + 1000])).values(**values)
                        .execution_options(synchronize_session=False))
            self.insert(Submission.__table__, submissions)
            self.insert(Evidence.__table__, evidence)
            self.insert(Review.__table__, reviews)
            db.session.commit()

    # Focal points, training, courses ---------------------------------------------------

    def network(self) -> None:
        rng, today, years = self.rng, self.today, self.sizes.years
        focal, training = [], []
        for institution in self.rows[1:]:
            purposes = (("acompanhamento", "painel", "multiplicador")
                        if institution["id"] in self.first_layer_set else ("acompanhamento",))
            for purpose in purposes:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                focal.append({"institution_id": institution["id"], "purpose": purpose,
                              "name": f"{first} {last}", "cpf": _cpf(rng),
                              "phone": f"(61) 3{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                              "email": f"{_ascii(first)}.{_ascii(last)}@rede.exemplo.gov.br",
                              "created_at": self.now,
                              "access_granted_at": self.now if purpose == "painel" else None})
            for _ in range(rng.randint(0, 2 * years)):
                start = today - timedelta(days=rng.randint(1, years * 365))
                days = rng.randint(1, 5)
                training.append({
                    "institution_id": institution["id"], "title": rng.choice(COURSE_TITLES),
                    "start_on": start, "end_on": start + timedelta(days=days - 1),
                    "hours": rng.choice((4, 8, 16, 20, 24, 40)),
                    "participants": rng.randint(5, 120),
                    "modality": rng.choice(("presencial", "distancia", "hibrido")),
                    "created_by_id": (self.members.get(institution["id"]) or [None])[0],
                    "created_at": self.now, "updated_at": self.now})
        self.insert(FocalPoint.__table__, focal)
        self.insert(TrainingRecord.__table__, training)
        courses = [{"id": i, "title": title, "description": f"Curso da Rede de Parcerias: {title}.",
                    "hours": rng.choice((16, 20, 40, 60)),
                    "modality": rng.choice(("presencial", "distancia", "hibrido")),
                    "audience": "Servidores dos partícipes", "created_at": self.now,
                    "updated_at": self.now} for i, title in enumerate(COURSE_TITLES, 1)]
        classes = []
        day = today - timedelta(days=365 * years)
        while day < today + timedelta(days=180):
            for _ in range(rng.randint(2, 6)):
                start = day + timedelta(days=rng.randint(0, 27))
                course = rng.choice(courses)
                classes.append({
                    "course_id": course["id"], "enrollment_opens_on": start - timedelta(days=40),
                    "enrollment_closes_on": start - timedelta(days=10), "starts_on": start,
                    "ends_on": start + timedelta(days=rng.randint(2, 30)),
                    "seats": rng.choice((30, 40, 60, None)),
                    "place": "Online" if course["modality"] == "distancia" else "Brasília (DF)",
                    "enrollment_url": "https://escolavirtual.gov.br/", "created_at": self.now,
                    "updated_at": self.now})
            day += timedelta(days=28)
        self.insert(Course.__table__, courses)
        self.insert(CourseClass.__table__, classes)

    # Forum -----------------------------------------------------------------------------

    def forum(self) -> None:
        rng, sizes = self.rng, self.sizes
        categories = ensure_default_categories()
        seges_only = {c.id for c in categories if c.seges_only}
        category_ids = [c.id for c in categories]
        seges_users = self.reviewers
        cities = [c for uf in sorted(self.cities) for _, c in self.cities[uf]] or ["Brasília"]
        codes = ["1.1", "1.2", "1.5", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4"]
        paragraphs = [_paragraph(rng, cities, codes) for _ in range(4000)]
        rendered = [str(render_markdown(p)) for p in paragraphs]
        # Replies per topic: the first topic gets 199 (a 200-post topic for the benchmark),
        # the rest go to topics with a long-tailed popularity.
        replies = Counter()
        spare = sizes.posts - sizes.topics
        replies[1] = min(199, spare)
        spare -= replies[1]
        if spare and sizes.topics > 1:
            others = list(range(2, sizes.topics + 1))
            weights = [1 / (rank ** 0.5) for rank in range(1, len(others) + 1)]
            rng.shuffle(others)
            replies.update(rng.choices(others, weights, k=spare))
        topic_counts, post_counts = Counter(), Counter()
        next_post = 1
        years = sizes.years
        for first in range(1, sizes.topics + 1, 2000):
            topics, posts, watches, reads = [], [], [], []
            for topic_id in range(first, min(first + 2000, sizes.topics + 1)):
                category = rng.choice(category_ids)
                author = rng.choice(seges_users if category in seges_only else self.user_ids)
                created = self.moment(self.today - timedelta(days=365 * years), self.today)
                count = 1 + replies[topic_id]
                span = max(1, min(int((self.now - created).total_seconds()), 90 * 86400))
                times = sorted(rng.randrange(span) for _ in range(count - 1))
                accepted = rng.randint(2, count) if count > 1 and rng.random() < 0.35 else 0
                if topic_id == 1 and count > 1:  # the benchmark's topic: answered
                    accepted = 2
                poster = author
                for number in range(1, count + 1):
                    poster = author if number == 1 else rng.choice(self.user_ids)
                    at = created if number == 1 else created + timedelta(seconds=times[number - 2])
                    picks = [rng.randrange(len(paragraphs)) for _ in range(rng.randint(1, 3))]
                    posts.append({"id": next_post, "topic_id": topic_id, "number": number,
                                  "author_id": poster,
                                  "body": "\n\n".join(paragraphs[i] for i in picks),
                                  "body_html": "".join(rendered[i] for i in picks),
                                  "accepted": number == accepted, "hidden": False,
                                  "edit_count": 0, "created_at": at})
                    next_post += 1
                title = rng.choice(TOPIC_TITLES).format(
                    code=rng.choice(codes), subject=rng.choice(SUBJECTS), city=rng.choice(cities))
                topics.append({
                    "id": topic_id, "category_id": category, "author_id": author,
                    "title": title[:150],
                    "goal_id": rng.choice(self.goal_ids) if rng.random() < 0.15 else None,
                    "pinned": category in seges_only and rng.random() < 0.02,
                    "locked": rng.random() < 0.01, "solved": bool(accepted), "post_count": count,
                    "last_post_at": posts[-1]["created_at"], "last_poster_id": poster,
                    "created_at": created})
                topic_counts[category] += 1
                post_counts[category] += count
                watches.append({"user_id": author, "topic_id": topic_id, "category_id": None,
                                "created_at": created})
                reads.append({"user_id": author, "topic_id": topic_id, "read_at": created})
            self.insert(Topic.__table__, topics)
            self.insert(Post.__table__, posts)
            self.insert(Watch.__table__, watches)
            self.insert(TopicRead.__table__, reads)
            db.session.commit()
        for category_id, count in topic_counts.items():
            db.session.execute(update(Category).where(Category.id == category_id)
                               .values(topic_count=count, post_count=post_counts[category_id]))
        began = time.perf_counter()
        db.session.commit()
        search.rebuild()
        db.session.commit()
        self.echo(f"  {'(search index)':<14} {time.perf_counter() - began:7.1f} s")

    # Sequences and statistics ----------------------------------------------------------

    def finish(self) -> None:
        if self.postgres:
            for table in db.metadata.sorted_tables:
                column = table.columns.get("id")  # only integer ids have a sequence
                if column is None or not column.primary_key or column.autoincrement is False \
                        or not isinstance(column.type, db.Integer):
                    continue
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"coalesce(max(id), 0) + 1, false) FROM {table.name}"))
        db.session.commit()
        if self.postgres:  # statistics, and the visibility map for index-only scans
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.connection().exec_driver_sql("ANALYZE")
        db.session.commit()
        for model in (Institution, User, Agreement, Goal, Deliverable, Submission, Evidence,
                      Review, Topic, Post):
            self.counts[model.__tablename__] = db.session.scalar(
                db.select(func.count()).select_from(model))


# Helpers ---------------------------------------------------------------------------------


def _default(column):
    default = column.default
    if default is None:
        return None
    return default.arg if default.is_scalar else default.arg(None)


def _apportion(weights: dict[str, int], total: int) -> dict[str, int]:
    """Largest-remainder split of ``total`` by ``weights``, at least one each (the capital)."""
    if total <= 0:
        return dict.fromkeys(weights, 0)
    whole = sum(weights.values())
    total = max(total, len(weights))
    raw = {k: total * w / whole for k, w in weights.items()}
    share = {k: max(1, int(v)) for k, v in raw.items()}
    rest = total - sum(share.values())
    for key in sorted(raw, key=lambda k: (share[k] - raw[k], k))[: max(0, rest)]:
        share[key] += 1
    while sum(share.values()) > total:  # the floor of one pushed it over
        key = max(share, key=lambda k: (share[k], k))
        share[key] -= 1
    return share


def _city_names(rng: random.Random, uf: str, count: int) -> list[str]:
    """``count`` distinct plausible names for municipalities of ``uf``: the capital first."""
    names = [CAPITALS[uf]][:count]
    if uf == "MG" and count > 1:
        names.append("Contagem")
    seen = set(names)
    while len(names) < count:
        shape = rng.random()
        root = rng.choice(ROOTS) + rng.choice(ENDINGS)
        if shape < 0.25:
            saint = rng.choice(SAINTS)
            name = ("Santa " if saint in ("Luzia", "Rita", "Isabel", "Cruz", "Helena", "Bárbara",
                                          "Tereza") else "São ") + saint + rng.choice(SUFFIXES)
        elif shape < 0.55:
            name = rng.choice(PREFIXES) + root
        else:
            name = root + rng.choice(SUFFIXES)
        if name in seen:
            name += (" de Minas", " do Oeste", " do Leste", " Paulista", " Novo")[len(seen) % 5]
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _digit(digits: str, weights: list[int]) -> str:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "0" if rest < 2 else str(11 - rest)


def _cnpj(base: int) -> str:
    number = f"{base:08d}0001"
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    number += _digit(number, weights)
    return number + _digit(number, [6, *weights])


def _cpf(rng: random.Random) -> str:
    number = f"{rng.randint(100_000_000, 999_999_998):09d}"
    for size in (10, 11):
        total = sum(int(d) * w for d, w in zip(number, range(size, 1, -1), strict=True))
        number += str(total * 10 % 11 % 10)
    return number


def _ascii(value: str) -> str:
    return fold(value).replace(" ", "")


def _status(rng: random.Random, due_on: date, today: date) -> str:
    """Past deliverables in every status; the future mostly untouched."""
    roll = rng.random()
    if due_on >= today:
        return "draft" if roll < 0.05 else "submitted" if roll < 0.07 else "pending"
    for status, share in (("approved", 0.55), ("waived", 0.03), ("submitted", 0.08),
                          ("returned", 0.05), ("draft", 0.05)):
        if roll < share:
            return status
        roll -= share
    return "pending"  # overdue


def _report(rng: random.Random) -> str:
    subject = rng.choice(SUBJECTS)
    return (f"No período, realizamos ações de {subject}, com participação das equipes "
            f"envolvidas. Seguem as evidências ({rng.choice(DOCS)}, publicações e links).")


def _evidence(rng: random.Random, submission_id: int, author, created: datetime) -> dict:
    if rng.random() < 0.4:
        return {"submission_id": submission_id, "kind": "link", "stored_name": None,
                "original_name": None, "content_type": None, "size": None, "sha256": None,
                "url": f"https://www.exemplo.gov.br/rede/{rng.randrange(10**6)}",
                "title": "Publicação no portal", "uploaded_by_id": author, "created_at": created}
    name = rng.choice(("relatorio", "lista-de-presenca", "oficio", "print-do-portal"))
    kind, mime = rng.choice((("pdf", "application/pdf"), ("png", "image/png"),
                             ("docx", "application/vnd.openxmlformats-officedocument."
                                      "wordprocessingml.document")))
    return {"submission_id": submission_id, "kind": "file",
            "stored_name": f"{rng.getrandbits(128):032x}", "original_name": f"{name}.{kind}",
            "content_type": mime, "size": rng.randint(20_000, 5_000_000),
            "sha256": f"{rng.getrandbits(256):064x}", "url": None, "title": None,
            "uploaded_by_id": author, "created_at": created}


def _paragraph(rng: random.Random, cities: list[str], codes: list[str]) -> str:
    words = []
    for _ in range(rng.randint(1, 4)):
        words.append(rng.choice(SENTENCES).format(
            org=f"município de {rng.choice(cities)}", subject=rng.choice(SUBJECTS),
            code=rng.choice(codes), doc=rng.choice(DOCS), hours=rng.choice((20, 40, 60, 80)),
            people=rng.randint(10, 200)))
    return " ".join(words)
