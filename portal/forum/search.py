"""Full-text search over topic titles and posts — the one place that knows the dialect.

SQLite: ``forum_search`` is an FTS5 table (``unicode61 remove_diacritics 2``, prefix indexes
for 2, 3 and 4 characters, the post id as rowid — migration 0012).
PostgreSQL: ``forum_search`` holds a ``tsvector`` built with ``portal_pt``, the
``portuguese`` configuration with ``unaccent`` before stemming (created by migration 0003),
under a GIN index. Both are kept in sync by the services (no triggers), one row per visible
post; the question's row also carries the topic title, weighted higher.

A search ranks a bounded set: the newest ``CANDIDATES`` matching posts (a cheap order on both
databases: FTS5 walks its doclists by rowid, PostgreSQL the post id index). A common word
in a large forum matches a quarter of the posts; ranking and counting all of them took
seconds. Below the cap the results are exactly the full ranking; above it the page says so.
"""

# SQL text here is built from constants and int-cast ids only; user input is always bound.
# ruff: noqa: S608

import re

from flask import g
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape
from sqlalchemy import String, func, literal_column, text

from portal.agreements.models import Goal
from portal.core import cache
from portal.core.search import fold
from portal.extensions import db
from portal.forum.models import Topic

TABLE = "forum_search"
START, STOP = "\u27e6", "\u27e7"  # snippet markers, turned into <mark> after escaping
MAX_TERMS = 8
CANDIDATES = 1000  # matching posts ranked per search (the newest ones)
VOCAB = "forum_search_vocab"  # SQLite: fts5vocab 'row' table over forum_search (0012)
PREFIX_INDEXES = (2, 3, 4)  # SQLite: FTS5 prefix='2 3 4' (0012)
MAX_EXPANSION = 16  # SQLite: most terms a long prefix is expanded into
EXPANSIONS = "forum_search_expansions"  # flask.g key: the request's expanded queries
# The cache version of everything a search answers from: bumped by every write to the index
# and by changes to topics (solved, category, goal, last post) and goals (codes).
VERSION = "forum-search"
cache.track((Topic, Goal), lambda _changed: [VERSION], bulk=[VERSION])


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
                f"INSERT INTO {TABLE} (rowid, topic_id, post_id, title, body) "
                "VALUES (:post_id, :topic_id, :post_id, :title, :body)"
            ),
            params,
        )


def remove_post(post_id: int) -> None:
    _index_changes()
    key = "post_id" if _dialect() == "postgresql" else "rowid"  # FTS5: only rowid is indexed
    db.session.execute(text(f"DELETE FROM {TABLE} WHERE {key} = :id"), {"id": post_id})


def remove_topic(topic_id: int) -> None:
    _index_changes()
    db.session.execute(text(f"DELETE FROM {TABLE} WHERE topic_id = :id"), {"id": topic_id})


def clear() -> None:
    """Empty the index (tests; a full rebuild)."""
    _index_changes()
    db.session.execute(text(f"DELETE FROM {TABLE}"))


def rebuild() -> None:
    """Re-index every visible post in one statement (after bulk loads, e.g. ``portal synth``)."""
    clear()
    title = "CASE WHEN p.number = 1 THEN t.title ELSE '' END"
    source = (
        "FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id WHERE p.hidden = :hidden"
    )
    if _dialect() == "postgresql":
        sql = (
            f"INSERT INTO {TABLE} (topic_id, post_id, document) SELECT p.topic_id, p.id, "
            f"setweight(to_tsvector('portal_pt', {title}), 'A') || "
            f"setweight(to_tsvector('portal_pt', p.body), 'B') {source}"
        )
    else:
        sql = (
            f"INSERT INTO {TABLE} (rowid, topic_id, post_id, title, body) "
            f"SELECT p.id, p.topic_id, p.id, {title}, p.body {source} ORDER BY p.id"
        )
    db.session.execute(text(sql), {"hidden": False})
    if _dialect() != "postgresql":  # merge the segments of the bulk insert into one b-tree
        db.session.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')"))


# Querying ------------------------------------------------------------------------------


def _filters(
    category_id: int | None,
    solved: bool | None,
    goal_code: str | None = None,
    since=None,
) -> tuple[str, dict]:
    sql, params = " AND t.category_id = :category_id" if category_id else "", {}
    if category_id:
        params["category_id"] = category_id
    if solved is not None:
        sql += " AND t.solved = :solved"
        params["solved"] = solved
    if goal_code:
        sql += _goal_filter(goal_code)
    if since is not None:
        sql += " AND t.last_post_at >= :since"
        params["since"] = since
    return sql, params


def _goal_filter(goal_code: str) -> str:
    """SQL restricting the candidates to topics linked to goals of ``goal_code``.

    A goal's topics are few: listed first (one query on indexed columns), they let
    PostgreSQL start from ``forum_search.topic_id``'s index (its estimate of the equivalent
    subquery was 40x too high, so it walked every match of a common word by post id).
    FTS5 keeps topic_id unindexed: SQLite still walks every match of the words and checks
    the topic (about 170 ms in-process for a word in a quarter of 500,000 posts).
    """
    ids = db.session.scalars(
        text(
            "SELECT t2.id FROM forum_topics t2 JOIN goals g ON g.id = t2.goal_id "
            "WHERE g.code = :goal_code"
        ),
        {"goal_code": goal_code},
    ).all()
    listed = ", ".join(str(int(i)) for i in ids) or "NULL"
    return f" AND {'s.topic_id' if _dialect() == 'postgresql' else 't.id'} IN ({listed})"


def _candidates_sql(where: str) -> str:
    """The newest ``:limit`` matching posts: (post_id, topic_id, score, solved).

    The score is computed for those rows only; a larger score is better.
    """
    if _dialect() == "postgresql":
        # The subquery picks the rows by post id (newest first) before ts_rank_cd reads any
        # tsvector: ranking every match was the cost.
        return (
            "SELECT c.post_id, c.topic_id, ts_rank_cd(c.document, q.query) AS score, c.solved "
            "FROM (SELECT s.post_id, s.topic_id, s.document, t.solved "
            f"FROM {TABLE} s JOIN forum_topics t ON t.id = s.topic_id "
            f"WHERE s.document @@ to_tsquery('portal_pt', :tsquery){where} "
            "ORDER BY s.post_id DESC LIMIT :limit) c "
            "CROSS JOIN (SELECT to_tsquery('portal_pt', :tsquery) AS query) q"
        )
    # FTS5 returns matches in rowid (= post id) order without sorting, and bm25() (negative,
    # smaller is better: negated here) is computed for the rows returned only. CROSS JOIN
    # keeps the FTS5 table as the outer loop (topic_id is UNINDEXED there).
    return (
        f"SELECT {TABLE}.rowid, {TABLE}.topic_id, -bm25({TABLE}, 0, 0, 10.0, 1.0), t.solved "
        f"FROM {TABLE} CROSS JOIN forum_topics t ON t.id = {TABLE}.topic_id "  # FTS5 outside
        f"WHERE {TABLE} MATCH :match{where} ORDER BY {TABLE}.rowid DESC LIMIT :limit"
    )


def _match_params(words: list[str]) -> dict:
    if _dialect() == "postgresql":
        return {"tsquery": " & ".join(f"{w}:*" for w in words)}
    cache = g.setdefault(EXPANSIONS, {})  # the page and its snippets: looked up once
    if tuple(words) not in cache:
        cache[tuple(words)] = {"match": " AND ".join(_fts_prefix(w) for w in words)}
    return cache[tuple(words)]


def _index_changes() -> None:
    """The index changes: prefixes expanded before may stand for other terms now, and the
    searches kept (``cache``) are dropped when the change commits."""
    g.pop(EXPANSIONS, None)
    cache.changed(VERSION)


def _fts_prefix(word: str) -> str:
    """FTS5 syntax for the words starting with ``word``.

    Prefixes of 2 to 4 characters have their own FTS5 index (one lookup). A longer prefix
    makes FTS5 merge the doclists of every term starting with it into memory before the
    first row (35 ms for a common word at 500,000 posts, per query); when few terms start
    with it, asking for them by name (``forum_search_vocab``) keeps the query lazy.
    """
    folded = fold(word)  # the tokenizer's folding: lower case, no diacritics
    if len(folded) <= max(PREFIX_INDEXES):
        return f'"{word}"*'
    found = db.session.scalars(
        text(f"SELECT term FROM {VOCAB} WHERE term >= :low AND term <= :high LIMIT :most"),
        {"low": folded, "high": folded + "\U0010ffff", "most": MAX_EXPANSION + 1},
    ).all()
    if not found or len(found) > MAX_EXPANSION or any(not t.startswith(folded) for t in found):
        return f'"{word}"*'
    return "(" + " OR ".join('"{}"'.format(t.replace('"', '""')) for t in found) + ")"


class SearchPage(Pagination):
    """A page of search hits: ``items`` are (topic_id, score) rows, best first.

    A topic scores its best post's score, doubled when solved. Only the newest
    ``CANDIDATES`` matching posts are ranked (one statement); ``truncated`` tells that more
    posts matched, and ``total`` then counts the topics of the ranked posts only. The ranking
    is kept (``cache``) until the index or a topic changes: every reader asking the same
    question, on any page of the results, reuses it.
    """

    truncated = False

    @property
    def cap(self) -> int:
        return CANDIDATES

    def _ranked(self) -> list[tuple[int, float]]:
        if not hasattr(self, "_hits"):
            words, filters = self._query_args["words"], self._query_args["filters"]
            self._hits, self._best_post, self.truncated = cache.cached(
                f"forum-search:{cache.digest(words, filters)}", [VERSION],
                lambda: _rank(words, filters),
            )
        return self._hits

    def _query_items(self) -> list:
        return self._ranked()[self._query_offset : self._query_offset + self.per_page]

    @property
    def best_posts(self) -> dict[int, int]:
        """The best-scoring post of each topic on this page (the one to quote)."""
        return {topic_id: self._best_post[topic_id] for topic_id, _score in self.items}

    def _query_count(self) -> int:
        return len(self._ranked())


def _rank(words: list[str], filters: dict) -> tuple[list, dict, bool]:
    """(hits best first, best post of each topic, more posts matched than were ranked)."""
    where, params = _filters(**filters)
    rows = db.session.execute(
        text(_candidates_sql(where)),
        {**params, **_match_params(words), "limit": CANDIDATES + 1},
    ).all()
    best: dict[int, float] = {}
    best_post: dict[int, int] = {}
    for post_id, topic_id, score, solved in rows[:CANDIDATES]:
        score = float(score or 0) * (2 if solved else 1)
        if topic_id not in best or score > best[topic_id]:
            best[topic_id], best_post[topic_id] = score, post_id
    hits = sorted(best.items(), key=lambda hit: (-hit[1], -hit[0]))
    return hits, best_post, len(rows) > CANDIDATES


def search_topics(
    query: str,
    *,
    page: int = 1,
    per_page: int = 20,
    category_id=None,
    solved=None,
    goal_code=None,
    since=None,
) -> SearchPage | None:
    """Ranked topic ids for ``query`` (None when the query has no words)."""
    words = terms(query)
    if not words:
        return None
    filters = {"category_id": category_id, "solved": solved, "goal_code": goal_code,
               "since": since}
    return SearchPage(page=page, per_page=per_page, error_out=False, words=words,
                      filters=filters)


def snippets(
    topic_ids: list[int], query: str, posts: dict[int, int] | None = None
) -> dict[int, Markup]:
    """The best-matching passage of each topic, with the matched words in <mark>.

    ``posts`` maps topic ids to the post to quote (``SearchPage.best_posts``); without it,
    each topic's best-matching post. Only those posts are looked at.
    """
    words = terms(query)
    if not topic_ids or not words:
        return {}
    chosen = sorted(int(posts[i]) for i in topic_ids if i in posts) if posts else None
    return cache.cached(
        f"forum-snippets:{cache.digest(words, sorted(map(int, topic_ids)), chosen)}", [VERSION],
        lambda: _snippets(topic_ids, words, chosen),
    )


def _snippets(topic_ids: list[int], words: list[str], chosen: list[int] | None) -> dict:
    params = {**_match_params(words)}
    topics = ", ".join(str(int(i)) for i in topic_ids)
    if _dialect() == "postgresql":
        # The post of each topic first, then one ts_headline per topic (it is costly).
        if chosen:
            best = (
                f"SELECT id, topic_id FROM forum_posts WHERE id IN ({', '.join(map(str, chosen))})"
            )
        else:
            best = (
                "SELECT DISTINCT ON (s.topic_id) s.post_id AS id, s.topic_id "
                f"FROM {TABLE} s WHERE s.topic_id IN ({topics}) "
                "AND s.document @@ to_tsquery('portal_pt', :tsquery) ORDER BY s.topic_id, "
                "ts_rank_cd(s.document, to_tsquery('portal_pt', :tsquery)) DESC, s.post_id"
            )
        sql = (
            "SELECT b.topic_id, ts_headline('portal_pt', p.body, to_tsquery('portal_pt', "
            ":tsquery), 'StartSel=\u27e6, StopSel=\u27e7, MaxWords=30, MinWords=12, "
            f"MaxFragments=1') FROM ({best}) b JOIN forum_posts p ON p.id = b.id"
        )
    else:
        if chosen is None:
            chosen = sorted(
                db.session.scalars(text(f"SELECT id FROM forum_posts WHERE topic_id IN ({topics})"))
            )
        if not chosen:
            return {}
        # One FTS5 scan bounded by the posts' rowids (= post ids); the "+" keeps the IN list
        # out of FTS5, which would run the whole query again for each rowid. No ORDER BY
        # bm25(): it would rank every match in the range; the best is kept below.
        sql = (
            f"SELECT topic_id, snippet({TABLE}, 3, '{START}', '{STOP}', '…', 24), "
            f"-bm25({TABLE}, 0, 0, 10.0, 1.0) FROM {TABLE} WHERE {TABLE} MATCH :match "
            f"AND rowid BETWEEN {chosen[0]} AND {chosen[-1]} "
            f"AND +rowid IN ({', '.join(map(str, chosen))})"
        )
    found: dict[int, Markup] = {}
    scores: dict[int, float] = {}
    for topic_id, passage, *score in db.session.execute(text(sql), params):
        score = score[0] if score else 0.0
        if topic_id not in found or score > scores[topic_id]:
            found[topic_id], scores[topic_id] = marked(passage or ""), score
    return found


SIMILAR_CANDIDATES = 200  # matching question rows ranked for "parecidos"
# Words too common to tell questions apart (accents folded).
_STOPWORDS = """a ao aos as com como da das de do dos e em entre essa esse esta este eu isso
na nas no nos o os ou para pela pelas pelo pelos por qual quais quando que se sem ser sobre um
uma umas uns meta metas duvida"""
STOPWORDS = frozenset(_STOPWORDS.split())


def similar_topics(title: str, *, limit: int = 5) -> list[tuple[int, bool]]:
    """Topics whose title or question share words with ``title``: (topic id, solved), best
    first. Any significant word may match (OR), unlike the search (AND); only the newest
    ``SIMILAR_CANDIDATES`` matching questions are ranked, so the cost stays bounded."""
    words = [w for w in terms(title) if len(w) >= 3 and fold(w) not in STOPWORDS]
    if not words:
        return []
    if _dialect() == "postgresql":
        sql = (
            "SELECT c.topic_id, c.solved FROM (SELECT s.topic_id, s.document, t.solved "
            f"FROM {TABLE} s JOIN forum_topics t ON t.id = s.topic_id "
            "JOIN forum_posts p ON p.id = s.post_id AND p.number = 1 "
            "WHERE s.document @@ to_tsquery('portal_pt', :tsquery) "
            "ORDER BY s.post_id DESC LIMIT :candidates) c "
            "ORDER BY ts_rank_cd(c.document, to_tsquery('portal_pt', :tsquery)) DESC, "
            "c.topic_id DESC LIMIT :limit"
        )
        params = {"tsquery": " | ".join(f"{w}:*" for w in words)}
    else:
        # Questions only: their rows carry the title (non-empty), weighted 10×.
        sql = (
            f"SELECT topic_id, solved FROM (SELECT {TABLE}.topic_id, t.solved, "
            f"-bm25({TABLE}, 0, 0, 10.0, 1.0) AS score FROM {TABLE} "
            f"CROSS JOIN forum_topics t ON t.id = {TABLE}.topic_id "
            f"WHERE {TABLE} MATCH :match AND {TABLE}.title != '' "
            f"ORDER BY {TABLE}.rowid DESC LIMIT :candidates) "
            "ORDER BY score DESC, topic_id DESC LIMIT :limit"
        )
        params = {"match": " OR ".join(_fts_prefix(w) for w in words)}
    rows = db.session.execute(
        text(sql), {**params, "candidates": SIMILAR_CANDIDATES, "limit": limit}
    ).all()
    return [(topic_id, bool(solved)) for topic_id, solved in rows]


def starts_a_word(column, word: str, *, accents: bool = True):
    """SQL: ``column`` has a word starting with ``word``, ignoring case; on PostgreSQL also
    ignoring accents ("ines" finds "Inês", via the unaccent extension of migration 0003).
    SQLite's lower() and LIKE fold ASCII letters only. One function call and one LIKE per
    row: the column is read as " " + text, and the word looked for after a space."""
    if accents and _dialect() == "postgresql":
        folded, prefix = func.unaccent(func.lower(column)), fold(word)
    else:
        folded, prefix = func.lower(column), word.lower()
    prefix = re.sub(r"[%_\\]", "", prefix)[:40]
    return (literal_column("' '", String) + folded).like(f"% {prefix}%")


def plain_passage(passage: str) -> str:
    """A snippet without Markdown syntax (the markers kept): ``**relatório**`` reads as
    ``relatório``, ``[texto](url)`` as ``texto``, ``@[Nome](user:1)`` as ``@Nome``."""
    text_ = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", passage)
    text_ = re.sub(r"\]\([^)\s]*\)?", "", text_)  # a link cut by the snippet's edge
    text_ = re.sub(r"(?m)^\s{0,3}(#{1,6}|>+|[-*+]|\d+[.)])\s+", "", text_)
    text_ = re.sub(r"(\*\*|__|~~|`+|(?<!\w)[*_]|[*_](?!\w)|\[|\]\(?)", "", text_)
    return " ".join(text_.split())


def marked(passage: str) -> Markup:
    """Escape a passage (Markdown stripped), turning the marker pairs into <mark>."""
    parts = re.split(f"[{START}{STOP}]", plain_passage(passage))
    html = "".join(
        f"<mark>{escape(part)}</mark>" if index % 2 else str(escape(part))
        for index, part in enumerate(parts)
    )
    return Markup(html)  # noqa: S704 - every part escaped above


def highlight(title: str, query: str) -> Markup:
    """``title`` with the words starting with a query term in <mark>, ignoring accents."""
    words = [fold(w) for w in terms(query)]
    if not words:
        return Markup(escape(title))  # noqa: S704
    folded = fold(title)
    out, position = [], 0
    for match in re.finditer(r"\w+", folded):
        if any(match.group().startswith(w) for w in words):
            out.append(str(escape(title[position : match.start()])))
            out.append(f"<mark>{escape(title[match.start() : match.end()])}</mark>")
            position = match.end()
    out.append(str(escape(title[position:])))
    return Markup("".join(out))  # noqa: S704 - every part escaped above
