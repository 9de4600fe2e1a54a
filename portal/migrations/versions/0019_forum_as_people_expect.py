"""forum as people expect: mentions by id, useful votes, attachments, recounted counters

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

- ``forum_topics.post_count`` now counts the question and the replies neither hidden nor
  deleted (so replies = post_count − 1); it is recomputed here once, as
  ``portal.forum.services.recount`` does after every change. ``forum_categories.post_count``
  is new: the sum over its topics.
- ``forum_posts.useful_count``: the "Útil" votes a reply has (``forum_votes``, one per person).
- ``forum_mentions``: who a post mentions (by user id), so each person is told once per post.
- ``forum_attachments``: documents attached to posts, stored like evidence files.
- An index for the "Perguntas sem resposta" view (unsolved topics without replies).

Hand-written; batch_alter_table keeps it working on SQLite as well as PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forum_categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('useful_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.create_index('ix_forum_topics_unanswered',
                              ['solved', 'post_count', 'created_at'], unique=False)

    op.create_table('forum_mentions',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'],
                            name=op.f('fk_forum_mentions_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_forum_mentions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_forum_mentions'))
    )
    op.create_index('ix_forum_mentions_user_id', 'forum_mentions', ['user_id'], unique=False)

    op.create_table('forum_votes',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'],
                            name=op.f('fk_forum_votes_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_forum_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_forum_votes'))
    )
    op.create_index('ix_forum_votes_user_id', 'forum_votes', ['user_id'], unique=False)

    op.create_table('forum_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'],
                            name=op.f('fk_forum_attachments_post_id_forum_posts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                            name=op.f('fk_forum_attachments_uploaded_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_forum_attachments_stored_name'))
    )
    op.create_index('ix_forum_attachments_post_id', 'forum_attachments', ['post_id'],
                    unique=False)

    # Counters: visible posts per topic, then per category (the same rule as services.recount).
    op.execute(
        "UPDATE forum_topics SET post_count = (SELECT count(*) FROM forum_posts p "
        "WHERE p.topic_id = forum_topics.id AND (p.hidden = false OR p.number = 1))"
    )
    op.execute(
        "UPDATE forum_categories SET "
        "topic_count = (SELECT count(*) FROM forum_topics t "
        "WHERE t.category_id = forum_categories.id), "
        "post_count = (SELECT coalesce(sum(t.post_count), 0) FROM forum_topics t "
        "WHERE t.category_id = forum_categories.id)"
    )


def downgrade():
    op.drop_index('ix_forum_attachments_post_id', table_name='forum_attachments')
    op.drop_table('forum_attachments')
    op.drop_index('ix_forum_votes_user_id', table_name='forum_votes')
    op.drop_table('forum_votes')
    op.drop_index('ix_forum_mentions_user_id', table_name='forum_mentions')
    op.drop_table('forum_mentions')
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_topics_unanswered')
    # post_count goes back to counting every post ever numbered (hidden included).
    op.execute(
        "UPDATE forum_topics SET post_count = (SELECT coalesce(max(p.number), 0) "
        "FROM forum_posts p WHERE p.topic_id = forum_topics.id)"
    )
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.drop_column('useful_count')
    with op.batch_alter_table('forum_categories', schema=None) as batch_op:
        batch_op.drop_column('post_count')
