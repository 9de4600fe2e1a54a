"""forum and notifications

Tables for the forum and in-app notifications, the seeded forum categories, and the
full-text index ``forum_search`` (not a model: kept in sync by portal/forum/search.py):
an FTS5 table on SQLite; on PostgreSQL a table with a tsvector under a GIN index, built
with ``portal_pt`` (the ``portuguese`` configuration with ``unaccent`` before stemming).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:33:28.763084

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forum_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('seges_only', sa.Boolean(), nullable=False),
    sa.Column('topic_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_forum_categories_slug'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('forum_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('solved', sa.Boolean(), nullable=False),
    sa.Column('post_count', sa.Integer(), nullable=False),
    sa.Column('last_post_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_poster_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_topics_author_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_topics_category_id_forum_categories')),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_forum_topics_goal_id_goals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_poster_id'], ['users.id'], name=op.f('fk_forum_topics_last_poster_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_topics'))
    )
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.create_index('ix_forum_topics_activity', ['pinned', 'last_post_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_topics_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_forum_topics_category_activity', ['category_id', 'pinned', 'last_post_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_topics_goal_id'), ['goal_id'], unique=False)

    op.create_table('forum_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('edit_count', sa.Integer(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_posts_author_id_users')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_forum_posts_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_posts_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_posts')),
    sa.UniqueConstraint('topic_id', 'number', name=op.f('uq_forum_posts_topic_id'))
    )
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_posts_author_id'), ['author_id'], unique=False)

    op.create_table('forum_topic_reads',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_topic_reads_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_topic_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic_id', name=op.f('pk_forum_topic_reads'))
    )
    op.create_table('forum_watches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_watches_category_id_forum_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_watches_topic_id_forum_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_watches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_watches')),
    sa.UniqueConstraint('user_id', 'topic_id', 'category_id', name=op.f('uq_forum_watches_user_id'))
    )
    with op.batch_alter_table('forum_watches', schema=None) as batch_op:
        batch_op.create_index('ix_forum_watches_category', ['category_id'], unique=False)
        batch_op.create_index('ix_forum_watches_topic', ['topic_id'], unique=False)

    op.create_table('forum_post_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'], name=op.f('fk_forum_post_revisions_edited_by_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_post_revisions_post_id_forum_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_post_revisions'))
    )
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_post_revisions_post_id'), ['post_id'], unique=False)

    op.create_table('forum_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_reports_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_forum_reports_reporter_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_forum_reports_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_reports'))
    )
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_reports_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_reports_resolved_at'), ['resolved_at'], unique=False)

    _seed_categories()
    _create_search_index()


CATEGORIES = [
    ("melhoria-da-gestao", "Melhoria da Gestão", "Eixo 1: gestão, painéis e indicadores.", False),
    ("capacitacao", "Capacitação", "Eixo 2: cursos, multiplicadores e horas de capacitação.", False),
    ("comunicacao-e-transparencia", "Comunicação e Transparência",
     "Eixo 3: divulgação, eventos e transparência.", False),
    ("duvidas-gerais", "Dúvidas gerais", "Perguntas sobre a Rede e o portal.", False),
    ("boas-praticas", "Boas práticas", "Experiências que deram certo e podem ser replicadas.", False),
    ("resultados-de-fiscalizacoes", "Resultados de fiscalizações",
     "Achados e recomendações de órgãos de controle.", False),
    ("avisos-da-seges", "Avisos da SEGES", "Comunicados da Secretaria-Executiva da Rede.", True),
]


def _seed_categories():
    table = sa.table(
        "forum_categories",
        sa.column("slug", sa.String), sa.column("name", sa.String),
        sa.column("description", sa.String), sa.column("position", sa.Integer),
        sa.column("seges_only", sa.Boolean), sa.column("topic_count", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(table, [
        {"slug": slug, "name": name, "description": description, "position": position,
         "seges_only": seges_only, "topic_count": 0, "created_at": now}
        for position, (slug, name, description, seges_only) in enumerate(CATEGORIES, 1)
    ])


def _create_search_index():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH CONFIGURATION portal_pt (COPY = pg_catalog.portuguese)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION portal_pt ALTER MAPPING "
            "FOR hword, hword_part, word WITH unaccent, portuguese_stem"
        )
        op.execute(
            "CREATE TABLE forum_search ("
            "topic_id integer NOT NULL, post_id integer NOT NULL, document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_forum_search_document ON forum_search USING gin (document)")
        op.execute("CREATE INDEX ix_forum_search_post_id ON forum_search (post_id)")
        op.execute("CREATE INDEX ix_forum_search_topic_id ON forum_search (topic_id)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE forum_search USING fts5("
            "topic_id UNINDEXED, post_id UNINDEXED, title, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def _drop_search_index():
    op.execute("DROP TABLE IF EXISTS forum_search")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS portal_pt")


def downgrade():
    _drop_search_index()
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_reports_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_forum_reports_post_id'))

    op.drop_table('forum_reports')
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_post_revisions_post_id'))

    op.drop_table('forum_post_revisions')
    with op.batch_alter_table('forum_watches', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_watches_topic')
        batch_op.drop_index('ix_forum_watches_category')

    op.drop_table('forum_watches')
    op.drop_table('forum_topic_reads')
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_posts_author_id'))

    op.drop_table('forum_posts')
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_topics_goal_id'))
        batch_op.drop_index('ix_forum_topics_category_activity')
        batch_op.drop_index(batch_op.f('ix_forum_topics_author_id'))
        batch_op.drop_index('ix_forum_topics_activity')

    op.drop_table('forum_topics')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')

    op.drop_table('notifications')
    op.drop_table('forum_categories')
