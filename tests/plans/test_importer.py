"""The Plano de Trabalho importer (portal.plans.importer).

Variants of the seed are built here from the shipped seed text; the only stored
fixture is the SEI HTML export in ``data/`` (ISO-8859-1, as SEI writes it).
"""

import hashlib
import json
import random
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.plans.importer import (
    SCHEDULE_KINDS,
    PlanParseError,
    parse_deadline,
    parse_plan,
    read_seed_plan,
)
from portal.schedule.engine import validate_schedule

DATA = Path(__file__).parent / "data"
SEED_SHA256 = "4bdb19ee4aa1444c3078888ecbdb9cf787770dbc2f34c441b3c24134d1176929"
# hypothesis writes nothing into the checkout; no per-example deadline on slow machines
NO_DB = settings(database=None, deadline=None)

BOTH = "both"
SEGES = "seges"
PARTNER = "partner"
DURING = {"kind": "during_term"}
REGULATION = {"kind": "per_regulation"}
ANNUAL = {"kind": "annual"}
IN_FORCE = "Durante a vigência do Acordo"
NORM = "Observância à norma vigente"
IN_22 = "(Instrução Normativa SEGES/ME nº 19, de 4 de abril de 2022)"

# (code, axes, responsible, deadline_text, schedule, description)
EXPECTED_GOALS = [
    ("1.1", [1], BOTH, IN_FORCE, DURING,
     "Indicar servidores que acompanharão a execução do Acordo, informando nome, CPF, "
     "telefone e e-mail, enviando-o para o endereço rededeparcerias@gestao.gov.br"),
    ("1.2", [1], PARTNER, "Até 15 dias após o início da vigência",
     {"kind": "once_after_start", "days": 15},
     "Indicar responsável (nome, e-mail e CPF) para acesso ao Painel Gerencial do "
     "Parceriasgov.br"),
    ("1.3", [1], SEGES, IN_FORCE, DURING,
     "Cadastrar e disponibilizar o acesso ao Painel Gerencial Parceriasgov.br"),
    ("1.4", [1], SEGES, IN_FORCE, DURING,
     "Apoiar o órgão/Entidade na compreensão e implementação do Modelo de Governança e "
     f"Gestão Pública - Gestaopublicagov.br {IN_22}"),
    ("1.5", [1], PARTNER, NORM, REGULATION,
     f"Implementar o Modelo de Governança e Gestão Pública - Gestaopublicagov.br {IN_22}"),
    ("1.6", [1], PARTNER, NORM, REGULATION,
     f"Executar os Planos de Melhoria da Gestão – Gestaopublicagov.br. {IN_22}"),
    ("1.7", [1], BOTH, "Quando convocadas pela Secretaria-Executiva da Rede",
     {"kind": "on_call", "trigger": "meeting"},
     "Organizar e participar das reuniões técnicas de trabalho promovidas periodicamente "
     "pela Rede de Parcerias."),
    ("2.1", [2], BOTH, "Anual", ANNUAL,
     "Elaborar cronograma de formação de multiplicadores."),
    ("2.2", [2], BOTH, "Anual com o mínimo de 60 horas ao ano",
     {"kind": "annual", "min_hours": 60},
     "Realizar cursos na sua área de abrangência e atuação."),
    ("2.3", [2], BOTH, "Durante a vigência do acordo", DURING,
     "Promover ações conjuntas para promoção da capacitação dos usuários nos "
     "sistemas/ferramentas disponibilizadas pela Rede."),
    ("3.1", [3], BOTH, "A partir do início da vigência", {"kind": "at_start"},
     "Inserir banner para divulgação das ações da Rede de Parcerias, notícia e pop-up em "
     "sua página oficial na internet."),
    ("3.2", [3], BOTH, "Anual e sempre quando houver alteração nos cursos",
     {"kind": "annual", "also_on": "course_schedule_change"},
     "Divulgar os cursos da Rede de Parcerias."),
    ("3.3", [3], BOTH, IN_FORCE, DURING,
     "Promover ações conjuntas para promoção da transparéncia."),
    ("3.4", [3], PARTNER, "Anual", ANNUAL,
     "Participar do Fórum Nacional das Transferências e Parcerias da União e dos Fóruns "
     "Regionais de Fortalecimento da Rede de Parcerias."),
    ("3.5", [3], PARTNER, "Quando solicitado pela Secretaria da Rede de Parcerias",
     {"kind": "on_call", "trigger": "request"},
     "Encaminhar as ações realizadas para compor relatório de ações da Rede de Parcerias"),
    ("3.6", [3], SEGES, NORM, REGULATION,
     "Elaborar o Relatório Anual da Rede de Parcerias, a partir das informações "
     "encaminhadas pelos parceiros."),
    ("3.7", [3], PARTNER, IN_FORCE, DURING,
     "Utilizar, preferencialmente, o sistema de gestão da Rede de Parcerias para gerir as "
     "ações objeto deste acordo"),
    ("C.1", [1, 3], SEGES, "10 dias a partir do início da vigência",
     {"kind": "once_after_start", "days": 10},
     "Disponibilizar fórum virtual para troca de conhecimento e dúvidas."),
    ("C.2", [2, 3], SEGES, IN_FORCE, DURING,
     "Disponibilizar cronograma dos cursos oferecidos pela Rede, com as datas de início e "
     "fim das inscrições de cada turma."),
    ("C.3", [1, 3], BOTH, IN_FORCE, DURING,
     "Realizar ações conjuntas para a promoção da melhoria da gestão, bem como para o "
     "fortalecimento da Rede de Parcerias."),
    ("C.4", [1, 3], PARTNER, "Até o dia 10 do mês subsequente à celebração do Acordo de Adesão",
     {"kind": "monthly_after_event", "day": 10, "event": "adhesion"},
     "Informar, à SEGES, a relação das instituições que celebrarem Acordo de Adesão, se e "
     "quando assinados."),
    ("C.5", [1, 3], BOTH, "Durante a vigência do ACT", DURING,
     "Compartilhar boas práticas, conhecimentos gerenciais e resultados de fiscalizações, "
     "esclarecendo e orientando no que couber."),
    ("C.6", [1, 3], BOTH, IN_FORCE, DURING,
     "Intercambiar conhecimentos, experiências e informações sobre cursos e treinamentos "
     "de interesse mútuo."),
]

ADHERENT_21 = "“21” na lista de metas dos aderentes foi lido como 2.1; confira"
GOAL_WARNINGS = {"2.1": [ADHERENT_21]}  # the seed misprints 2.1 as "21" in the adherent list

EXPECTED = {
    "agreement": {
        "kind": "ACT",
        "number": "160/2025",
        "work_plan_number": "01/2025",
        "sei_process": "19973.011749/2025-70",
        "sei_process_valid": True,
        "object": "Estabelecer a adesão à Rede de Parcerias para o desenvolvimento de ações "
        "compartilhadas de interesse público e recíproco, conforme especificações "
        "estabelecidas no plano de trabalho.",
        "signed_on": "2025-09-24",
        "parties": [
            {
                "name": "Secretaria de Gestão e Inovação",
                "acronym": "SEGES",
                "cnpj": "00.489.828/0001-55",
                "cnpj_valid": True,
                "sphere": "federal",
                "signatory": {
                    "name": "Roberto Seara Machado Pojo Rego",
                    "role": "Secretário de Gestão e Inovação (SEGES)",
                    "registration": "SIAPE 1458895",
                },
            },
            {
                "name": "Secretaria de Estado de Casa Civil – MG",
                "acronym": "SCC",
                "cnpj": "50.941.185/0001-07",
                "cnpj_valid": True,
                "sphere": "estadual",
                "signatory": {
                    "name": "Luiz Otávio de Oliveira Gonçalves",
                    "role": "Secretário-Chefe de Estado de Casa Civil",
                    "registration": "MASP 1489235-0",
                },
            },
        ],
        "axes": [1, 2, 3],
    },
    "goals": [
        {
            "code": code,
            "axes": axes,
            "description": description,
            "deadline_text": deadline,
            "schedule": schedule,
            "responsible": responsible,
            "warnings": GOAL_WARNINGS.get(code, []),
            "needs_review": code in GOAL_WARNINGS,
        }
        for code, axes, responsible, deadline, schedule, description in EXPECTED_GOALS
    ],
    "adherent_goal_codes": ["1.1", "1.5", "1.6", "2.1", "2.2", "2.3", "3.2", "3.3", "3.4", "3.5"],
    "warnings": [f"Meta 2.1: {ADHERENT_21}"],
}


@pytest.fixture(scope="module")
def seed_bytes() -> bytes:
    return read_seed_plan()


@pytest.fixture(scope="module")
def seed_text(seed_bytes) -> str:
    return seed_bytes.decode("utf-8")


@pytest.fixture(scope="module")
def seed_result(seed_bytes) -> dict:
    return parse_plan(seed_bytes)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def invariants(result: dict) -> list:
    """What must not depend on the document's case, accents or layout."""
    agreement = result["agreement"]
    return [
        agreement["kind"], agreement["number"], agreement["work_plan_number"],
        agreement["sei_process"], agreement["sei_process_valid"], agreement["signed_on"],
        agreement["axes"],
        [(p["acronym"], p["cnpj"], p["cnpj_valid"], p["sphere"],
          p["signatory"]["registration"]) for p in agreement["parties"]],
        [(g["code"], g["axes"], g["schedule"], g["responsible"]) for g in result["goals"]],
        result["adherent_goal_codes"],
        result["warnings"],
    ]


# ------------------------------------------------------------------- the seed


def test_package_ships_an_exact_copy_of_the_seed(seed_bytes):
    assert hashlib.sha256(seed_bytes).hexdigest() == SEED_SHA256


def test_seed_parses_to_the_full_expected_structure(seed_result):
    assert seed_result == EXPECTED
    json.dumps(seed_result)  # JSON-serialisable as is


def test_seed_has_the_contract_keys(seed_result):
    assert list(seed_result) == ["agreement", "goals", "adherent_goal_codes", "warnings"]
    assert list(seed_result["agreement"]) == [
        "kind", "number", "work_plan_number", "sei_process", "sei_process_valid", "object",
        "signed_on", "parties", "axes",
    ]
    for party in seed_result["agreement"]["parties"]:
        assert list(party) == ["name", "acronym", "cnpj", "cnpj_valid", "sphere", "signatory"]
        assert list(party["signatory"]) == ["name", "role", "registration"]
    for goal in seed_result["goals"]:
        assert list(goal) == [
            "code", "axes", "description", "deadline_text", "schedule", "responsible",
            "warnings", "needs_review",
        ]


def test_seed_has_23_goals_in_document_order(seed_result):
    assert [goal["code"] for goal in seed_result["goals"]] == [
        "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.1", "2.2", "2.3",
        "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7",
        "C.1", "C.2", "C.3", "C.4", "C.5", "C.6",
    ]


@pytest.mark.parametrize(
    ("code", "axes", "responsible", "deadline", "schedule", "description"),
    EXPECTED_GOALS,
    ids=[row[0] for row in EXPECTED_GOALS],
)
def test_seed_goal(seed_result, code, axes, responsible, deadline, schedule, description):
    goal = next(goal for goal in seed_result["goals"] if goal["code"] == code)
    assert goal == {
        "code": code,
        "axes": axes,
        "description": description,
        "deadline_text": deadline,
        "schedule": schedule,
        "responsible": responsible,
        "warnings": GOAL_WARNINGS.get(code, []),
        "needs_review": code in GOAL_WARNINGS,
    }


def test_seed_agreement_fields(seed_result):
    agreement = seed_result["agreement"]
    assert (agreement["kind"], agreement["number"], agreement["work_plan_number"]) == (
        "ACT", "160/2025", "01/2025",
    )
    assert agreement["sei_process"] == "19973.011749/2025-70"
    assert agreement["sei_process_valid"] is True
    assert agreement["signed_on"] == "2025-09-24"  # the last of the four signatures
    assert agreement["axes"] == [1, 2, 3]
    assert agreement["object"].startswith("Estabelecer a adesão à Rede de Parcerias")


def test_seed_parties(seed_result):
    seges, scc = seed_result["agreement"]["parties"]
    assert (seges["acronym"], seges["cnpj"], seges["cnpj_valid"], seges["sphere"]) == (
        "SEGES", "00.489.828/0001-55", True, "federal",
    )
    assert (scc["acronym"], scc["cnpj"], scc["cnpj_valid"], scc["sphere"]) == (
        "SCC", "50.941.185/0001-07", True, "estadual",  # "Públíco Estadual" in the document
    )
    assert seges["signatory"]["registration"] == "SIAPE 1458895"
    assert scc["signatory"]["registration"] == "MASP 1489235-0"


def test_seed_adherent_list_reads_the_misprinted_21_as_2_1_and_flags_the_goal(seed_result):
    assert "2.1" in seed_result["adherent_goal_codes"]
    assert "21" not in seed_result["adherent_goal_codes"]
    flagged = [goal["code"] for goal in seed_result["goals"] if goal["needs_review"]]
    assert flagged == ["2.1"]
    assert seed_result["warnings"] == [f"Meta 2.1: {ADHERENT_21}"]


def test_seed_parses_well_under_100_ms(seed_bytes):
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        parse_plan(seed_bytes)
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[2] < 0.1


# ------------------------------------------------------------- the HTML export


def test_sei_html_export_parses_to_the_same_structure_as_the_text():
    data = (DATA / "plano-de-trabalho-act-160-2025-mg.html").read_bytes()
    assert b"<table" in data and b"<tr>" in data
    with pytest.raises(UnicodeDecodeError):  # ISO-8859-1, as SEI writes it
        data.decode("utf-8")
    assert parse_plan(data) == EXPECTED


def test_html_export_as_text_in_utf8_parses_the_same():
    text = (DATA / "plano-de-trabalho-act-160-2025-mg.html").read_bytes().decode("latin-1")
    text = text.replace("charset=iso-8859-1", "charset=utf-8")
    assert parse_plan(text.encode("utf-8")) == EXPECTED
    assert parse_plan(text) == EXPECTED


def test_html_with_one_field_per_row_reads_each_column_as_a_party():
    rows = [
        ("Partícipe 1", "Partícipe 2"),
        ("Órgão: Secretaria de Gestão e Inovação (SEGES)", "Órgão: Prefeitura de Contagem (PMC)"),
        ("CNPJ: 00.489.828/0001-55", "CNPJ: 18.715.508/0001-31"),
        ("Esfera Administrativa: Federal", "Esfera Administrativa: Municipal"),
        ("Nome da Autoridade Signatária: Fulano de Tal", "Nome da Autoridade Signatária: Beltrana"),
        ("Cargo: Secretário", "Cargo: Prefeita"),
        ("Matrícula SIAPE: 1234567", "Matrícula: 998"),
    ]
    table = "".join(f"<tr><td><p>{a}</p></td><td><p>{b}</p></td></tr>" for a, b in rows)
    document = (
        "<html><body><p>ACT Nº 7/2026</p><p>PLANO DE TRABALHO Nº 1/2026</p>"
        f"<p>1. DADOS CADASTRAIS</p><table>{table}</table>"
        "<p>2. OBJETO</p><p>Adesão à Rede.</p><p>4. CRONOGRAMA FÍSICO</p>"
        "<table><tr><td>Metas/etapas</td><td>Descrição</td><td>Prazo</td><td>Responsável</td></tr>"
        "<tr><td>1.1</td><td>Indicar servidores.</td><td>Anual</td><td>Prefeitura</td></tr>"
        "</table></body></html>"
    )
    result = parse_plan(document)
    seges, city = result["agreement"]["parties"]
    assert (seges["name"], seges["acronym"], seges["sphere"]) == (
        "Secretaria de Gestão e Inovação", "SEGES", "federal",
    )
    assert (city["name"], city["acronym"], city["sphere"], city["cnpj_valid"]) == (
        "Prefeitura de Contagem", "PMC", "municipal", True,
    )
    assert city["signatory"] == {"name": "Beltrana", "role": "Prefeita", "registration": "998"}
    assert [goal["code"] for goal in result["goals"]] == ["1.1"]


def test_html_with_unclosed_head_still_reads_the_body():
    text = (DATA / "plano-de-trabalho-act-160-2025-mg.html").read_bytes().decode("latin-1")
    assert parse_plan(replace_once(text, "</head>", "")) == EXPECTED


def test_html_cells_with_line_breaks_and_entities():
    text = (DATA / "plano-de-trabalho-act-160-2025-mg.html").read_bytes().decode("latin-1")
    text = replace_once(
        text,
        ">Anual com o mínimo de 60 horas ao ano<",
        ">Anual com o<br />m&iacute;nimo de&nbsp;60\r\n horas ao ano<",
    )
    assert parse_plan(text) == EXPECTED


# ------------------------------------------------------------------ encodings


def test_windows_1252_bytes_are_decoded(seed_text):
    assert parse_plan(seed_text.encode("cp1252")) == EXPECTED


def test_latin_1_bytes_are_decoded(seed_text):
    # Latin-1 has no dashes or curly quotes; a Latin-1 file would carry plain ones.
    text = seed_text.replace("–", "-").replace("“", '"').replace("”", '"')
    result = parse_plan(text.encode("latin-1"))
    assert result == parse_plan(text)
    seges, scc = result["agreement"]["parties"]
    assert seges["signatory"]["role"] == "Secretário de Gestão e Inovação (SEGES)"
    assert scc["name"] == "Secretaria de Estado de Casa Civil - MG"
    assert result["goals"][0]["description"].startswith("Indicar servidores que acompanharão")


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
        lambda text: text.replace("\n", "\r\n").encode("utf-8"),
        lambda text: unicodedata.normalize("NFD", text).encode("utf-8"),
    ],
    ids=["utf-8 with BOM", "utf-16", "CRLF", "decomposed accents"],
)
def test_other_encodings_and_line_endings(seed_text, encode):
    assert parse_plan(encode(seed_text)) == EXPECTED


def test_double_encoded_utf8_is_repaired_with_a_warning(seed_text):
    mojibake = []
    for byte in seed_text.encode("utf-8"):
        try:
            mojibake.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            mojibake.append(chr(byte))
    result = parse_plan("".join(mojibake))
    assert result["warnings"] == [
        "o texto estava em UTF-8 lido como Windows-1252 (codificação dupla) e foi corrigido",
        *EXPECTED["warnings"],
    ]
    assert {**result, "warnings": EXPECTED["warnings"]} == EXPECTED


# ------------------------------------------------------------------ tolerance


def test_runs_of_spaces_instead_of_tabs(seed_text):
    assert "\t" in seed_text
    assert parse_plan(seed_text.replace("\t", "    ")) == EXPECTED


def test_cells_broken_across_lines(seed_text):
    text = replace_once(seed_text, "informando nome, CPF", "informando nome,\nCPF")
    text = replace_once(
        text, "Até 15 dias após o início da vigência", "Até 15 dias após\no início da vigência"
    )
    text = replace_once(
        text,
        "Casa Civil</p> <p>Matrícula MASP", "Casa Civil</p>\n<p>Matrícula MASP",
    )
    text = replace_once(text, " <p>CNPJ: 50.941", "\n<p>CNPJ: 50.941")
    text = replace_once(
        text,
        "de 4 de abril de 2022)</i>\tObservância à norma vigente\tGoverno do Estado de Minas "
        "Gerais / SCC\n1.6",
        "de\n4 de abril de 2022)</i>\tObservância à norma vigente\tGoverno do Estado de Minas "
        "Gerais / SCC\n1.6",
    )
    text = replace_once(
        text,
        "mútuo.\tDurante a vigência do Acordo\tSEGES e Governo do Estado de Minas Gerais / SCC",
        "mútuo.\tDurante a vigência do Acordo\tSEGES e Governo do Estado de\nMinas Gerais / SCC",
    )
    text = replace_once(text, "para gerir as ações objeto deste acordo\t", "para gerir as ações\n"
                        "objeto deste acordo\t")
    assert parse_plan(text) == EXPECTED


def test_inline_markup_is_stripped(seed_text):
    text = replace_once(
        seed_text,
        "\tAnual com o mínimo de 60 horas ao ano\t",
        '\t<b>Anual</b> com o <span class="destaque">mínimo</span> de 60 horas ao ano\t',
    )
    text = replace_once(text, "2.2\tRealizar cursos", "2.2\t<strong>Realizar</strong> cursos")
    text = replace_once(text, "3.6\tElaborar o Relatório", "3.6\t**Elaborar** o Relatório")
    text = replace_once(text, "\tSEGES\n1.4", "\t<u>SEGES</u>\n1.4")
    assert parse_plan(text) == EXPECTED


def test_upper_case_document(seed_text):
    result = parse_plan(seed_text.upper())
    assert invariants(result) == invariants(EXPECTED)
    assert [goal["description"] for goal in result["goals"]] == [
        description.upper() for *_, description in EXPECTED_GOALS
    ]
    assert result["agreement"]["parties"][0]["name"] == "SECRETARIA DE GESTÃO E INOVAÇÃO"


def test_document_without_accents(seed_text):
    result = parse_plan(strip_accents(seed_text))
    assert invariants(result) == invariants(EXPECTED)
    assert [goal["deadline_text"] for goal in result["goals"]] == [
        strip_accents(deadline) for *_, deadline, _, _ in EXPECTED_GOALS
    ]


def test_stray_and_doubled_accents(seed_text):
    text = replace_once(seed_text, "Anual com o mínimo", "Ánual com o mínímo")
    text = text.replace("vigência", "vige\u0302\u0302ncia")  # doubled combining accent
    result = parse_plan(text)
    assert invariants(result) == invariants(EXPECTED)
    assert result["goals"][0]["deadline_text"] == "Durante a vigência do Acordo"


@pytest.mark.parametrize(
    ("act", "plan", "process"),
    [("No", "No", "No"), ("N°", "n°", "n.º"), ("nº", "Nº", "Nº"), ("N.º", "n.", "")],
)
def test_number_sign_spellings(seed_text, act, plan, process):
    text = replace_once(seed_text, "ACT Nº 160/2025", f"ACT {act} 160/2025")
    text = replace_once(text, "PLANO DE TRABALHO Nº 01/2025", f"PLANO DE TRABALHO {plan} 01/2025")
    text = replace_once(text, "SEI-MGI nº 19973", f"SEI-MGI {process} 19973")
    agreement = parse_plan(text)["agreement"]
    assert (agreement["number"], agreement["work_plan_number"], agreement["sei_process"]) == (
        "160/2025", "01/2025", "19973.011749/2025-70",
    )


def test_numbers_written_out_and_deadlines_from_signature(seed_text):
    text = replace_once(
        seed_text, "Até 15 dias após o início da vigência",
        "Até 30 (trinta) dias úteis da assinatura",
    )
    text = replace_once(text, "10 dias a partir do início", "Dez dias a partir do início")
    text = replace_once(text, "mínimo de 60 horas", "mínimo de 60 (sessenta) horas")
    goals = {goal["code"]: goal for goal in parse_plan(text)["goals"]}
    assert goals["1.2"]["deadline_text"] == "Até 30 (trinta) dias úteis da assinatura"
    assert goals["1.2"]["schedule"] == {
        "kind": "once_after_start", "days": 30, "business_days": True, "from": "signature",
    }
    assert goals["C.1"]["schedule"] == {"kind": "once_after_start", "days": 10}
    assert goals["2.2"]["schedule"] == {"kind": "annual", "min_hours": 60}


@pytest.mark.parametrize(
    ("title", "kind", "number"),
    [
        ("ACT Nº 160/2025", "ACT", "160/2025"),
        ("ACORDO DE COOPERAÇÃO TÉCNICA Nº 160/2025", "ACT", "160/2025"),
        ("ACORDO DE COOPERAÇÃO Nº 12/2024", "AC", "12/2024"),
        ("TERMO DE ADESÃO Nº 3/2026", "TA", "3/2026"),
        ("Acordo de Adesão nº 03 / 2026", "AA", "03/2026"),
    ],
)
def test_agreement_kind_and_number(seed_text, title, kind, number):
    agreement = parse_plan(replace_once(seed_text, "ACT Nº 160/2025", title))["agreement"]
    assert (agreement["kind"], agreement["number"]) == (kind, number)


@pytest.mark.parametrize(
    ("sphere_text", "sphere"),
    [
        ("Federal", "federal"),
        ("Públíco Estadual", "estadual"),
        ("Municipal", "municipal"),
        ("Distrito Federal", "distrital"),
        ("Organização da Sociedade Civil", "outra"),
    ],
)
def test_party_sphere(seed_text, sphere_text, sphere):
    old = "Esfera Administrativa: Públíco Estadual"
    text = replace_once(seed_text, old, f"Esfera Administrativa: {sphere_text}")
    assert parse_plan(text)["agreement"]["parties"][1]["sphere"] == sphere


def test_a_state_in_parentheses_is_not_an_acronym(seed_text):
    text = replace_once(
        seed_text,
        "Órgão: Secretaria de Estado de Casa Civil – MG (SCC)",
        "Órgão: Prefeitura Municipal de Contagem (MG)",
    )
    party = parse_plan(text)["agreement"]["parties"][1]
    assert (party["name"], party["acronym"]) == ("Prefeitura Municipal de Contagem (MG)", None)


def test_unknown_deadline_becomes_manual_with_a_warning(seed_text):
    text = replace_once(
        seed_text, "Até 15 dias após o início da vigência", "Assim que possível"
    )
    result = parse_plan(text)
    goal = next(goal for goal in result["goals"] if goal["code"] == "1.2")
    assert goal["schedule"] == {"kind": "manual"}
    assert goal["deadline_text"] == "Assim que possível"
    assert goal["needs_review"] is True
    unread = "prazo “Assim que possível” não foi reconhecido; ficou para definir manualmente"
    assert goal["warnings"] == [unread]
    assert result["warnings"] == [f"Meta 1.2: {unread}", *EXPECTED["warnings"]]


def test_invalid_check_digits_are_reported_not_fatal(seed_text):
    text = replace_once(seed_text, "CNPJ: 50.941.185/0001-07", "CNPJ: 50.941.185/0001-08")
    text = replace_once(text, "SEI-MGI nº 19973.011749/2025-70", "SEI-MGI nº 19973.011749/2025-71")
    text = replace_once(
        text, "Processo nº 19973.011749/2025-70.", "Processo nº 19973.011749/2025-71."
    )
    result = parse_plan(text)
    agreement = result["agreement"]
    assert agreement["sei_process"] == "19973.011749/2025-71"
    assert agreement["sei_process_valid"] is False
    assert agreement["parties"][1]["cnpj_valid"] is False
    assert (
        "partícipe 2: CNPJ 50.941.185/0001-08 com dígitos verificadores inválidos"
        in result["warnings"]
    )
    assert "processo SEI 19973.011749/2025-71 com dígitos verificadores inválidos" in result[
        "warnings"]


def test_adherent_list_with_a_code_not_in_the_cronograma(seed_text):
    text = replace_once(seed_text, "3.4 e 3.5, no âmbito", "3.4, 3.5 e 4.1, no âmbito")
    result = parse_plan(text)
    assert result["adherent_goal_codes"][-1] == "4.1"
    assert (
        "a lista de metas dos aderentes cita a meta 4.1, que não está no cronograma"
        in result["warnings"]
    )


# ------------------------------------------------------------------ non-plans

UNRELATED_TEXT = (
    "A Secretaria Municipal de Saúde informa que a campanha de vacinação contra a gripe "
    "foi prorrogada até o dia 30 de junho. Os postos funcionam de segunda a sexta-feira, "
    "das 8h às 17h.\n\n1.1\tPostos centrais\n2.3\tPostos rurais\n"
).encode()

NOT_A_PLAN = {
    "empty": b"",
    "blank": b" \n\t\r\n ",
    "random bytes": random.Random(20250924).randbytes(4096),
    "PNG": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06",
    "PDF": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "DOCX": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
    "NUL bytes": b"PLANO DE TRABALHO\x00\x00\x00\x01\x02",
    "unrelated Portuguese text": UNRELATED_TEXT,
    "an ACT without a cronograma": (
        "ACORDO DE COOPERAÇÃO TÉCNICA Nº 160/2025\n\nCLÁUSULA PRIMEIRA – DO OBJETO\n\n"
        "O presente Acordo tem por objeto a adesão à Rede de Parcerias, conforme o Plano de "
        "Trabalho anexo.\n"
    ).encode(),
    "empty text": "",
}


@pytest.mark.parametrize("data", NOT_A_PLAN.values(), ids=NOT_A_PLAN.keys())
def test_non_plans_raise_a_one_line_portuguese_error(data):
    with pytest.raises(PlanParseError) as caught:
        parse_plan(data)
    message = str(caught.value)
    assert message and "\n" not in message
    assert isinstance(caught.value, ValueError)


def test_error_messages_say_what_is_wrong():
    with pytest.raises(PlanParseError, match="vazio"):
        parse_plan(b"")
    with pytest.raises(PlanParseError, match="PNG"):
        parse_plan(NOT_A_PLAN["PNG"])
    with pytest.raises(PlanParseError, match="PDF"):
        parse_plan(NOT_A_PLAN["PDF"])
    with pytest.raises(PlanParseError, match="não é um Plano de Trabalho"):
        parse_plan(UNRELATED_TEXT)
    with pytest.raises(PlanParseError, match="cronograma"):
        parse_plan(NOT_A_PLAN["an ACT without a cronograma"])


@settings(NO_DB, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_either_parse_or_raise_plan_parse_error(data):
    try:
        result = parse_plan(data)
    except PlanParseError as error:
        assert "\n" not in str(error)
    else:
        assert result["goals"]


@settings(NO_DB, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_seed_either_parses_or_raises_plan_parse_error(data):
    text = read_seed_plan().decode("utf-8")
    start = data.draw(st.integers(0, len(text)))
    length = data.draw(st.integers(0, 2000))
    junk = data.draw(st.text(max_size=20))
    damaged = text[:start] + junk + text[start + length :]
    try:
        result = parse_plan(damaged)
    except PlanParseError:
        return
    for goal in result["goals"]:
        assert goal["schedule"]["kind"] in SCHEDULE_KINDS
        assert goal["responsible"] in {"seges", "partner", "both"}
    json.dumps(result)


# ------------------------------------------------------------------ deadlines

DEADLINES = [
    ("Até 15 dias após o início da vigência", {"kind": "once_after_start", "days": 15}),
    ("Quadrimestral", {"kind": "periodic", "months": 4}),
    ("Até 15 dias após a publicação", {"kind": "once_after_start", "days": 15,
                                       "from": "publication"}),
    ("Até 15 dias após a celebração do Acordo de Adesão",
     {"kind": "after_event", "days": 15, "event": "adhesion"}),
    ("60 (sessenta) dias antes do término da vigência do ACT", {"kind": "before_end", "days": 60}),
    ("Até 30/06/2026", {"kind": "fixed_date", "date": "2026-06-30"}),
    ("Até o dia dez de cada mês", {"kind": "periodic", "months": 1, "due_day": 10}),
    ("Anual, 60h", {"kind": "annual", "min_hours": 60}),
    ("Ao longo da vigência", {"kind": "during_term"}),
    ("Sob demanda da SEGES", {"kind": "on_call", "trigger": "request"}),
    ("Conforme cronograma da SEGES", {"kind": "per_regulation"}),
    ("Anual e sempre que solicitado", {"kind": "annual", "also_on": "request"}),
    ("Quando convocado(a) pela SEGES", {"kind": "on_call", "trigger": "meeting"}),
    ("Sempre que solicitado pela SEGES, no prazo por ela fixado",
     {"kind": "on_call", "trigger": "request"}),
    ("Até o 10º (décimo) dia útil após a assinatura",
     {"kind": "once_after_start", "days": 10, "business_days": True, "from": "signature"}),
    ("Três vezes ao ano", {"kind": "periodic", "months": 4}),
    ("10 dias a partir do início da vigência", {"kind": "once_after_start", "days": 10}),
    ("Até 30 (trinta) dias úteis da assinatura",
     {"kind": "once_after_start", "days": 30, "business_days": True, "from": "signature"}),
    ("Até trinta dias úteis após a assinatura do Acordo",
     {"kind": "once_after_start", "days": 30, "business_days": True, "from": "signature"}),
    ("Em até 45 (quarenta e cinco) dias corridos contados do início da vigência do ACT",
     {"kind": "once_after_start", "days": 45}),
    ("ATÉ 15 DIAS APOS O INICIO DA VIGENCIA", {"kind": "once_after_start", "days": 15}),
    ("Até 15 (quinze) dias após o início da vigência", {"kind": "once_after_start", "days": 15}),
    ("Em até cento e vinte dias após o início da vigência",
     {"kind": "once_after_start", "days": 120}),
    ("Uma vez por ano, com o mínimo de sessenta horas anuais",
     {"kind": "annual", "min_hours": 60}),
    ("A partir do início da vigência", {"kind": "at_start"}),
    ("Anual", {"kind": "annual"}),
    ("Anualmente.", {"kind": "annual"}),
    ("Anual com o mínimo de 60 horas ao ano", {"kind": "annual", "min_hours": 60}),
    ("Anual, com o mínimo de 40 (quarenta) horas anuais", {"kind": "annual", "min_hours": 40}),
    ("Anual e sempre quando houver alteração nos cursos",
     {"kind": "annual", "also_on": "course_schedule_change"}),
    ("Mensal", {"kind": "periodic", "months": 1}),
    ("Bimestral", {"kind": "periodic", "months": 2}),
    ("Trimestral", {"kind": "periodic", "months": 3}),
    ("Semestralmente", {"kind": "periodic", "months": 6}),
    ("Durante a vigência do Acordo", {"kind": "during_term"}),
    ("Durante a vigência do acordo", {"kind": "during_term"}),
    ("Durante a vigência do ACT", {"kind": "during_term"}),
    ("Durante a vigência do Acordo/ACT", {"kind": "during_term"}),
    ("durante a vigencia", {"kind": "during_term"}),
    ("Observância à norma vigente", {"kind": "per_regulation"}),
    ("Observancia a norma vigente", {"kind": "per_regulation"}),
    ("Quando convocadas pela Secretaria-Executiva da Rede",
     {"kind": "on_call", "trigger": "meeting"}),
    ("Quando convocadas pela Secretaria - Executiva da Rede",
     {"kind": "on_call", "trigger": "meeting"}),
    ("Quando solicitado pela Secretaria da Rede de Parcerias",
     {"kind": "on_call", "trigger": "request"}),
    ("Sempre que solicitado", {"kind": "on_call", "trigger": "request"}),
    ("Até o dia 10 do mês subsequente à celebração do Acordo de Adesão",
     {"kind": "monthly_after_event", "day": 10, "event": "adhesion"}),
    ("<b>Anual</b>", {"kind": "annual"}),
    ("  Durante   a\n vigência\tdo Acordo. ", {"kind": "during_term"}),
]


@pytest.mark.parametrize(("text", "schedule"), DEADLINES, ids=[row[0] for row in DEADLINES])
def test_parse_deadline(text, schedule):
    assert parse_deadline(text) == (schedule, None)


MANUAL = [
    "Bianual",  # twice a year or every two years: the word is used both ways
    "Até 30 (quinze) dias úteis da assinatura",  # digits and words disagree
    "Até dez e cinco dias após a assinatura",  # not a number in Portuguese
    "0 dias após o início da vigência",
    "Até o dia 31 do mês subsequente à celebração do Acordo de Adesão",
    "Anual ou quando necessário",
    "Durante a vigência do Acordo de Adesão",
    "Imediato",
    "15 dias",
    "A definir",
    "Conforme cronograma a ser definido pela SEGES",
    "Até 31/02/2026",  # no such date
    "Mínimo de 60 horas",  # per year, per term? not said
    "Anual e, após, trimestral",  # two rhythms
    "Até 30 dias após a assinatura e anualmente",  # a date and a rhythm
]


@pytest.mark.parametrize("text", MANUAL)
def test_unknown_deadlines_are_manual_with_a_warning(text):
    schedule, warning = parse_deadline(text)
    assert schedule == {"kind": "manual"}
    assert warning and "manual" in warning


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_deadline_is_manual(text):
    assert parse_deadline(text) == (
        {"kind": "manual"}, "prazo em branco; ficou para definir manualmente"
    )


DEADLINE_WORDS = [
    "até", "15", "30", "(trinta)", "dias", "úteis", "após", "a", "partir", "do", "da", "o",
    "início", "vigência", "assinatura", "anual", "com", "mínimo", "de", "60", "horas", "ao",
    "ano", "e", "sempre", "quando", "houver", "alteração", "nos", "cursos", "mensal",
    "durante", "acordo", "ACT", "observância", "à", "norma", "vigente", "convocadas",
    "solicitado", "pela", "Secretaria", "dia", "10", "mês", "subsequente", "celebração",
    "Adesão", "<i>", "</i>", ",", ".", "-", "/",
]


@NO_DB
@given(st.text())
def test_parse_deadline_never_raises_on_arbitrary_text(text):
    schedule, warning = parse_deadline(text)
    assert validate_schedule(schedule)["kind"] in SCHEDULE_KINDS
    assert schedule["kind"] != "manual" or warning is not None


@NO_DB
@given(st.lists(st.sampled_from(DEADLINE_WORDS), max_size=14).map(" ".join))
def test_parse_deadline_never_raises_on_deadline_like_text(text):
    schedule, warning = parse_deadline(text)
    assert validate_schedule(schedule)["kind"] in SCHEDULE_KINDS
    assert schedule["kind"] != "manual" or warning is not None
    json.dumps(schedule)


# ------------------------------------------------------------------ structure

def plan_with(table: str, after: str = "") -> str:
    """A minimal plan whose cronograma is ``table`` (text export)."""
    return (
        "ACT Nº 9/2026\n\nPLANO DE TRABALHO Nº 1/2026\n\n1. DADOS CADASTRAIS\n\n"
        "<p>Órgão: Município de Pedra Branca do Amapari (PMPBA)</p> <p>CNPJ: 18.715.508/0001-31"
        "</p> <p>Esfera Administrativa: Municipal</p>\n\n2. OBJETO\n\nAdesão à Rede.\n\n"
        f"4. CRONOGRAMA FÍSICO\n\n{table}\n\n{after}\n"
    )


def goals_by_code(result: dict) -> dict:
    return {goal["code"]: goal for goal in result["goals"]}


def test_any_institution_name_is_a_party():
    party = parse_plan(plan_with("Meta\tDescrição\tPrazo\tResponsável\n1.1\tX\tAnual\tMunicípio"))[
        "agreement"]["parties"][0]
    assert (party["name"], party["acronym"], party["sphere"]) == (
        "Município de Pedra Branca do Amapari", "PMPBA", "municipal"
    )


def test_pipe_table_with_prefixed_codes_and_eixo_headings():
    table = (
        "| Meta/Etapa | Descrição | Prazo/Periodicidade | Responsável |\n|---|---|---|---|\n"
        "| EIXO 1 – MELHORIA DA GESTÃO | | | |\n"
        "| Meta 1.1 | Indicar servidores | Permanente | Município |\n"
        "| Etapa 1.1.1. | Enviar a lista | Até quinze (15) dias contados da publicação do "
        "extrato no DOU | Município |\n"
        "| Eixo III - Comunicação e Transparência | | | |\n"
        "| 3.1. | Divulgar | Até 31 de março de cada ano | SEGES/MGI e Município |\n"
    )
    goals = goals_by_code(parse_plan(plan_with(table)))
    assert list(goals) == ["1.1", "1.1.1", "3.1"]
    assert goals["1.1"]["schedule"] == {"kind": "during_term"}
    assert goals["1.1.1"]["schedule"] == {
        "kind": "once_after_start", "days": 15, "from": "publication"
    }
    assert goals["3.1"]["axes"] == [3] and goals["3.1"]["responsible"] == "both"
    assert goals["3.1"]["schedule"] == {"kind": "annual_date", "month": 3, "day": 31}
    assert not any(goal["needs_review"] for goal in goals.values())


def test_a_sub_etapa_without_its_meta_and_a_code_twice_are_flagged():
    table = (
        "Meta\tDescrição\tPrazo\tResponsável\n1.1\tA\tAnual\tMunicípio\n"
        "1.1\tB\tAnual\tMunicípio\n1.2.1\tC\tMensal\tMunicípio\n"
    )
    result = parse_plan(plan_with(table))
    first, second, step = result["goals"]
    assert first["warnings"] == second["warnings"] == ["o código 1.1 aparece 2 vezes no cronograma"]
    assert step["warnings"] == ["sub-etapa sem a meta 1.2 no cronograma"]
    assert all(goal["needs_review"] for goal in result["goals"])
    assert "Meta 1.2.1: sub-etapa sem a meta 1.2 no cronograma" in result["warnings"]


def test_a_wrapped_cell_is_joined_but_another_rows_text_is_flagged():
    header = "Meta        Descrição                   Prazo                      Responsável"
    wrapped = (
        f"{header}\n"
        "1.1         Indicar servidores          Até 15 dias após o         Município\n"
        "                                        início da vigência\n"
    )
    goal = parse_plan(plan_with(wrapped))["goals"][0]
    assert goal["schedule"] == {"kind": "once_after_start", "days": 15}
    assert goal["needs_review"] is False
    bleeding = (
        f"{header}\n"
        "1.1         Indicar servidores          Durante a vigência         Município\n"
        "                                        Anual\n"
    )
    goal = parse_plan(plan_with(bleeding))["goals"][0]
    assert goal["needs_review"] is True
    assert "juntou o texto de uma linha seguinte (“Anual”)" in goal["warnings"][0]


def test_html_merged_prazo_cell_is_flagged_on_the_rows_it_covers():
    rows = (
        "<tr><td>Eixo</td><td>Meta</td><td>Descrição</td><td>Prazo</td><td>Responsável</td></tr>"
        '<tr><td rowspan="3">Eixo I</td><td>1.1</td><td>A</td><td rowspan="2">Semestral</td>'
        "<td>Município</td></tr><tr><td>1.2</td><td>B</td><td>Município</td></tr>"
        "<tr><td>1.3</td><td>C</td><td>Anual</td><td>SEGES</td></tr>"
    )
    document = (
        "<html><body><p>ACT Nº 9/2026</p><p>PLANO DE TRABALHO Nº 1/2026</p>"
        f"<p>4. CRONOGRAMA FÍSICO</p><table>{rows}</table></body></html>"
    )
    goals = goals_by_code(parse_plan(document))
    assert {code: goal["schedule"] for code, goal in goals.items()} == {
        "1.1": {"kind": "periodic", "months": 6}, "1.2": {"kind": "periodic", "months": 6},
        "1.3": {"kind": "annual"},
    }
    assert [goal["needs_review"] for goal in goals.values()] == [False, True, False]
    assert "célula mesclada com a linha da meta 1.1" in goals["1.2"]["warnings"][0]


@pytest.mark.parametrize(
    "sentence",
    [
        "Os órgãos e entidades que aderirem ao presente Acordo executarão as Metas 1.1 e 2.1, "
        "no âmbito de suas competências.",
        "Metas a serem executadas pelos partícipes aderentes: 1.1; 2.1.",
        "Caso haja adesão de municípios ao presente ACT, estes executarão as metas nº 1.1 e 2.1.",
    ],
)
def test_adherent_metas_in_other_sentences(sentence):
    table = "Meta\tDescrição\tPrazo\tResponsável\n1.1\tA\tAnual\tX\n2.1\tB\tMensal\tX\n"
    assert parse_plan(plan_with(table, sentence))["adherent_goal_codes"] == ["1.1", "2.1"]


def test_hours_stated_in_the_description_are_the_target():
    table = (
        "Meta\tDescrição\tPrazo\tResponsável\n"
        "2.2\tRealizar cursos, com carga horária mínima de 60 horas anuais\tAnual\tX\n"
        "2.3\tRealizar oficinas de no mínimo 20 horas por ano\tDurante a vigência\tX\n"
    )
    courses, workshops = parse_plan(plan_with(table))["goals"]
    assert courses["schedule"] == {"kind": "annual", "min_hours": 60}
    assert not courses["needs_review"]
    assert workshops["schedule"] == {"kind": "during_term"}
    assert workshops["warnings"] == [
        "a descrição cita 20 horas, mas o prazo não é anual; a meta de horas não foi registrada"
    ]


@pytest.mark.parametrize(
    ("text", "schedule", "note"),
    [
        ("Anual e sempre que houver nova turma", {"kind": "annual"},
         "a condição “sempre que houver nova turma” não gera entregas próprias; confira"),
        ("Semestral, com no mínimo 30 horas por semestre", {"kind": "periodic", "months": 6},
         "a carga de 30 horas não é anual; a meta de horas não foi registrada"),
    ],
)
def test_a_prazo_read_in_part_keeps_the_reading_and_says_what_was_left(text, schedule, note):
    read, warning = parse_deadline(text)
    assert read == schedule
    assert warning == f"prazo “{text}”: {note}"
