"""search and queue indexes

- ``submissions (status, submitted_at)``: the review queue (waiting submissions, oldest
  first) no longer scans every submission and sorts them.
- ``goals (code)``: the topics about a goal's code, across every agreement.
- SQLite: ``forum_search`` (FTS5) is recreated with prefix indexes for prefixes of 2, 3
  and 4 characters (short prefix queries become one index lookup instead of a merge of
  every term's doclist) and with the post id as its rowid, so that a post's row is found
  by rowid (index maintenance, snippets of one page's posts) instead of by scanning an
  UNINDEXED column. It is refilled from the posts here, in SQL that matches
  ``portal.forum.search.rebuild`` as of this revision (a migration must not change with
  the application code, and it runs on Alembic's connection). ``forum_search_vocab``
  (fts5vocab, no storage of its own) lists the index's terms, so that a long prefix can
  be searched as the few terms it stands for. PostgreSQL's ``forum_search``
  (tsvector under GIN, btree on post_id and topic_id) already has what the capped search
  needs: unchanged.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
TITLE = "CASE WHEN p.number = 1 THEN t.title ELSE '' END"
SOURCE = "FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id WHERE p.hidden = :hidden"


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_submissions_status_submitted_at', ['status', 'submitted_at'], unique=False
        )
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.create_index('ix_goals_code', ['code'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS forum_search")
        op.execute(
            "CREATE VIRTUAL TABLE forum_search USING fts5("
            f"topic_id UNINDEXED, post_id UNINDEXED, title, body, {TOKENIZE}, "
            "prefix = '2 3 4')"
        )
        op.get_bind().execute(
            sa.text(
                "INSERT INTO forum_search (rowid, topic_id, post_id, title, body) "
                f"SELECT p.id, p.topic_id, p.id, {TITLE}, p.body {SOURCE} ORDER BY p.id"
            ),
            {"hidden": False},
        )
        op.execute("INSERT INTO forum_search (forum_search) VALUES ('optimize')")
        # The terms of the index, for expanding long prefixes into the terms they stand for.
        op.execute("CREATE VIRTUAL TABLE forum_search_vocab USING fts5vocab(forum_search, 'row')")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS forum_search_vocab")
        op.execute("DROP TABLE IF EXISTS forum_search")
        op.execute(
            "CREATE VIRTUAL TABLE forum_search USING fts5("
            f"topic_id UNINDEXED, post_id UNINDEXED, title, body, {TOKENIZE})"
        )
        op.get_bind().execute(
            sa.text(
                "INSERT INTO forum_search (topic_id, post_id, title, body) "
                f"SELECT p.topic_id, p.id, {TITLE}, p.body {SOURCE}"
            ),
            {"hidden": False},
        )

    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_index('ix_goals_code')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_status_submitted_at')
