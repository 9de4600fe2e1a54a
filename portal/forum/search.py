"""Full-text search over topic titles and posts — the one place that knows the dialect.

SQLite: ``forum_search`` is an FTS5 table (``unicode61 remove_diacritics 2``).
PostgreSQL: ``forum_search`` holds a ``tsvector`` built with ``portal_pt``, the
``portuguese`` configuration with ``unaccent`` before stemming (created by migration 0003),
under a GIN index. Both are kept in sync by the services (no triggers), one row per visible
post; the question's row also carries the topic title, weighted higher.
"""

# SQL text here is built from constants and int-cast ids only; user input is always bound.
# ruff: noqa: S608

import re
import unicodedata

from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape
from sqlalchemy import text

from portal.extensions import db

TABLE = "forum_search"
START, STOP = "\u27e6", "\u27e7"  # snippet markers, turned into <mark> after escaping
MAX_TERMS = 8


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def terms(query: str | None) -> list[str]:
    """The words of a user's query (no operators: input is never FTS syntax)."""
    words = re.findall(r"\w+", (query or "").replace("_", " "))
    return [w[:40] for w in words if w][:MAX_TERMS]


# Keeping the index in sync --------------------------------------------------------------


def index_post(post, title: str | None = None) -> None:
    """(Re)index one post; hidden posts are removed. ``title`` for the question only."""
    remove_post(post.id)
    if post.hidden:
        return
    params = {
        "topic_id": post.topic_id,
        "post_id": post.id,
        "title": title or "",
        "body": post.body,
    }
    if _dialect() == "postgresql":
        db.session.execute(
            text(
                f"INSERT INTO {TABLE} (topic_id, post_id, document) VALUES (:topic_id, :post_id, "
                "setweight(to_tsvector('portal_pt', :title), 'A') || "
                "setweight(to_tsvector('portal_pt', :body), 'B'))"
            ),
            params,
        )
    else:
        db.session.execute(
            text(
                f"INSERT INTO {TABLE} (topic_id, post_id, title, body) "
                "VALUES (:topic_id, :post_id, :title, :body)"
            ),
            params,
        )


def remove_post(post_id: int) -> None:
    db.session.execute(text(f"DELETE FROM {TABLE} WHERE post_id = :id"), {"id": post_id})


def remove_topic(topic_id: int) -> None:
    db.session.execute(text(f"DELETE FROM {TABLE} WHERE topic_id = :id"), {"id": topic_id})


def clear() -> None:
    """Empty the index (tests; a full rebuild)."""
    db.session.execute(text(f"DELETE FROM {TABLE}"))


# Querying ------------------------------------------------------------------------------


def _filters(category_id: int | None, solved: bool | None) -> tuple[str, dict]:
    sql, params = " AND t.category_id = :category_id" if category_id else "", {}
    if category_id:
        params["category_id"] = category_id
    if solved is not None:
        sql += " AND t.solved = :solved"
        params["solved"] = solved
    return sql, params


def _ranked_sql(where: str) -> str:
    """A query giving (topic_id, score) per matching topic; a larger score is better."""
    if _dialect() == "postgresql":
        return (
            f"SELECT s.topic_id AS topic_id, max(ts_rank_cd(s.document, q.query)) "
            f"* (CASE WHEN t.solved THEN 2 ELSE 1 END) AS score "
            f"FROM {TABLE} s CROSS JOIN (SELECT to_tsquery('portal_pt', :tsquery) AS query) q "
            f"JOIN forum_topics t ON t.id = s.topic_id "
            f"WHERE s.document @@ q.query{where} GROUP BY s.topic_id, t.solved"
        )
    # bm25() is negative (smaller is better): negate it so that larger is better everywhere.
    # FTS5 auxiliary functions only work in a plain query on the table, hence the subquery
    # (LIMIT -1 keeps SQLite from flattening it into the aggregate).
    return (
        f"SELECT m.topic_id AS topic_id, -min(m.rank) "
        f"* (CASE WHEN t.solved THEN 2 ELSE 1 END) AS score "
        f"FROM (SELECT topic_id, bm25({TABLE}, 0, 0, 10.0, 1.0) AS rank FROM {TABLE} "
        f"WHERE {TABLE} MATCH :match LIMIT -1) m JOIN forum_topics t ON t.id = m.topic_id "
        f"WHERE 1 = 1{where} GROUP BY m.topic_id, t.solved"
    )


def _match_params(words: list[str]) -> dict:
    if _dialect() == "postgresql":
        return {"tsquery": " & ".join(f"{w}:*" for w in words)}
    return {"match": " ".join(f'"{w}"*' for w in words)}


class SearchPage(Pagination):
    """A page of search hits: ``items`` are (topic_id, score) rows."""

    def _query_items(self) -> list:
        sql, params = self._query_args["sql"], self._query_args["params"]
        rows = db.session.execute(
            text(f"{sql} ORDER BY score DESC, topic_id DESC LIMIT :limit OFFSET :offset"),
            {**params, "limit": self.per_page, "offset": self._query_offset},
        )
        return [tuple(row) for row in rows]

    def _query_count(self) -> int:
        sql, params = self._query_args["sql"], self._query_args["params"]
        return db.session.scalar(text(f"SELECT count(*) FROM ({sql}) hits"), params) or 0


def search_topics(
    query: str, *, page: int = 1, per_page: int = 20, category_id=None, solved=None
) -> SearchPage | None:
    """Ranked topic ids for ``query`` (None when the query has no words)."""
    words = terms(query)
    if not words:
        return None
    where, params = _filters(category_id, solved)
    sql = _ranked_sql(where)
    return SearchPage(
        page=page,
        per_page=per_page,
        error_out=False,
        sql=sql,
        params={**params, **_match_params(words)},
    )


def snippets(topic_ids: list[int], query: str) -> dict[int, Markup]:
    """The best-matching passage of each topic, with the matched words in <mark>."""
    words = terms(query)
    if not topic_ids or not words:
        return {}
    params = {**_match_params(words)}
    ids = ", ".join(str(int(i)) for i in topic_ids)
    if _dialect() == "postgresql":
        sql = (
            "SELECT DISTINCT ON (s.topic_id) s.topic_id, ts_headline('portal_pt', p.body, "
            "q.query, 'StartSel=\u27e6, StopSel=\u27e7, MaxWords=30, MinWords=12, "
            "MaxFragments=1') "
            f"FROM {TABLE} s JOIN forum_posts p ON p.id = s.post_id "
            "CROSS JOIN (SELECT to_tsquery('portal_pt', :tsquery) AS query) q "
            f"WHERE s.topic_id IN ({ids}) AND s.document @@ q.query "
            "ORDER BY s.topic_id, ts_rank_cd(s.document, q.query) DESC"
        )
    else:
        sql = (
            f"SELECT topic_id, snippet({TABLE}, 3, '{START}', '{STOP}', '…', 24) "
            f"FROM {TABLE} WHERE {TABLE} MATCH :match AND topic_id IN ({ids}) "
            f"ORDER BY bm25({TABLE}, 0, 0, 10.0, 1.0) DESC"
        )
    found: dict[int, Markup] = {}
    for topic_id, passage in db.session.execute(text(sql), params):
        found[topic_id] = marked(passage or "")  # SQLite: last (best) wins
    return found


def marked(passage: str) -> Markup:
    """Escape a passage, turning the marker pairs into <mark>."""
    parts = re.split(f"[{START}{STOP}]", passage)
    html = "".join(
        f"<mark>{escape(part)}</mark>" if index % 2 else str(escape(part))
        for index, part in enumerate(parts)
    )
    return Markup(html)  # noqa: S704 - every part escaped above


def _fold(char: str) -> str:
    base = unicodedata.normalize("NFD", char)
    base = "".join(c for c in base if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else char.lower()


def highlight(title: str, query: str) -> Markup:
    """``title`` with the words starting with a query term in <mark>, ignoring accents."""
    words = [_fold_text(w) for w in terms(query)]
    if not words:
        return Markup(escape(title))  # noqa: S704
    folded = _fold_text(title)
    out, position = [], 0
    for match in re.finditer(r"\w+", folded):
        if any(match.group().startswith(w) for w in words):
            out.append(str(escape(title[position : match.start()])))
            out.append(f"<mark>{escape(title[match.start() : match.end()])}</mark>")
            position = match.end()
    out.append(str(escape(title[position:])))
    return Markup("".join(out))  # noqa: S704 - every part escaped above


def _fold_text(value: str) -> str:
    return "".join(_fold(c) for c in value)
