"""Forum pages: read the arguments, ask the policy, call a service, render."""

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.core.access import Action, authorise, can, require
from portal.core.forms import bounded_int
from portal.core.htmx import is_htmx, render
from portal.core.markdown import render_markdown
from portal.core.pagination import requested_page
from portal.extensions import db, limiter
from portal.forum import search, services
from portal.forum.forms import (
    CategoryForm,
    MoveTopicForm,
    PostForm,
    ReportForm,
    SearchForm,
    TopicForm,
)
from portal.forum.models import BODY_MAX, Category, Post, Report, Topic

bp = Blueprint("forum", __name__, url_prefix="/forum")

POSTS_PER_PAGE = 30
TOO_MANY_POSTS = (
    "Você publicou muitas mensagens em pouco tempo. Aguarde alguns minutos e tente de novo."
)


def _post_limit() -> str:
    return current_app.config.get("RATELIMIT_FORUM_POSTS", "10 per minute;60 per hour")


def _poster() -> str:
    if current_user.is_authenticated:
        return f"forum-post:{current_user.id}"
    return f"forum-post:{request.remote_addr}"


post_rate_limit = limiter.limit(
    _post_limit, methods=["POST"], key_func=_poster, error_message=TOO_MANY_POSTS
)


@bp.app_template_filter("iso")
def iso_datetime(value: datetime) -> str:
    """Machine-readable UTC timestamp for <time datetime>."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _page() -> int:
    return requested_page()


def _me():
    return current_user._get_current_object()


# Lists ----------------------------------------------------------------------------------


def _topic_list(category: Category | None):
    page = db.paginate(
        services.topics_query(category),
        page=_page(),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return page, services.unread_ids(_me(), page.items)


@bp.get("/")
@login_required
@authorise(Action.FORUM_VIEW)
def index():
    page, unread = _topic_list(None)
    return render(
        "forum/index.html",
        "forum/_topics.html",
        page=page,
        unread=unread,
        categories=services.categories(),
        filters=SearchForm(categories=services.categories()),
    )


@bp.get("/categorias/<int:category_id>")
@login_required
@authorise(Action.FORUM_VIEW, Category, "category_id")
def category(category: Category):
    page, unread = _topic_list(category)
    return render(
        "forum/category.html",
        "forum/_topics.html",
        category=category,
        page=page,
        unread=unread,
        watching=services.is_watching(_me(), category=category),
    )


@bp.get("/busca")
@login_required
@authorise(Action.FORUM_VIEW)
def search_page():
    categories = services.categories()
    filters = SearchForm(request.args, categories=categories)
    filters.validate()
    results, topics, snippets = None, {}, {}
    if filters.q.data and not filters.errors:
        solved = {"resolvidos": True, "abertos": False}.get(filters.situacao.data or "")
        results = search.search_topics(
            filters.q.data,
            page=_page(),
            per_page=current_app.config["ITEMS_PER_PAGE"],
            category_id=int(filters.categoria.data) if filters.categoria.data else None,
            solved=solved,
        )
        if results is not None:
            ids = [topic_id for topic_id, _score in results.items]
            topics = services.topics_by_id(ids)
            snippets = search.snippets(ids, filters.q.data, posts=results.best_posts)
    return render(
        "forum/search.html",
        "forum/_search_results.html",
        filters=filters,
        results=results,
        topics=topics,
        snippets=snippets,
        highlight=search.highlight,
    )


# Topics ---------------------------------------------------------------------------------


def _topic_or_404(topic_id: int) -> Topic:
    return db.get_or_404(Topic, topic_id)


def _post_or_404(post_id: int) -> Post:
    return db.get_or_404(Post, post_id)


def _offered_goal_id(goal_id: int | None) -> int | None:
    """The goal a link pre-selects (``?meta=``), if this user may see its agreement: another
    institution's goal is neither offered nor named."""
    goal = services.goal(goal_id) if goal_id else None
    if goal is None or not can(current_user, Action.AGREEMENT_VIEW, goal.agreement):
        return None
    return goal.id


@bp.route("/categorias/<int:category_id>/novo-topico", methods=["GET", "POST"])
@post_rate_limit
@login_required
@authorise(Action.FORUM_TOPIC_CREATE, Category, "category_id")
def new_topic(category: Category):
    goal_id = _offered_goal_id(request.args.get("meta", type=bounded_int))
    form = TopicForm(goals=services.goal_choices(_me(), include_id=goal_id))
    if not form.is_submitted() and goal_id:
        form.goal_id.data = str(goal_id)
    if form.validate_on_submit():
        with form.refusals():
            topic = services.create_topic(
                category,
                by=_me(),
                title=form.title.data,
                body=form.body.data,
                goal_id=int(form.goal_id.data) if form.goal_id.data else None,
            )
            flash("Tópico publicado. Você será avisado(a) das respostas.", "success")
            return redirect(url_for("forum.topic", topic_id=topic.id))
    return render(
        "forum/new_topic.html", "forum/_topic_form.html", form.status, form=form, category=category
    )


@bp.get("/topicos/<int:topic_id>")
@login_required
@authorise(Action.FORUM_VIEW, _topic_or_404, "topic_id")
def topic(topic: Topic):
    me = _me()
    page = services.posts_page(topic, _page(), POSTS_PER_PAGE)
    context = {
        "topic": topic,
        "page": page,
        "accepted": services.accepted_answer(topic) if topic.solved else None,
        "watching": services.is_watching(me, topic=topic),
        "form": PostForm(formdata=None),
    }
    response = render("forum/topic.html", "forum/_topic.html", **context)
    services.mark_read(topic, me)  # after rendering: the page shows the visit's starting state
    return response


@bp.route("/topicos/<int:topic_id>/responder", methods=["GET", "POST"])
@post_rate_limit
@login_required
@authorise(Action.FORUM_TOPIC_REPLY, _topic_or_404, "topic_id")
def reply(topic: Topic):
    form = PostForm()
    quoted = request.args.get("citar", type=bounded_int)
    if not form.is_submitted() and quoted:
        form.body.data = _quote(topic, quoted)
    if form.validate_on_submit():
        with form.refusals():
            post = services.reply(topic, by=_me(), body=form.body.data)
            if is_htmx():
                return render_template(
                    "forum/_reply_created.html",
                    topic=topic,
                    post=post,
                    form=PostForm(formdata=None),
                )
            flash("Resposta publicada.", "success")
            return redirect(_post_url(post))
    return render("forum/reply.html", "forum/_reply_form.html", form.status, form=form, topic=topic)


def _quote(topic: Topic, post_id: int) -> str:
    post = db.session.get(Post, post_id)
    if post is None or post.topic_id != topic.id or post.hidden:
        return ""
    lines = "\n".join(f"> {line}" for line in post.body.splitlines())
    return f"> **{post.author.name}** escreveu:\n>\n{lines}\n\n"


def _post_url(post: Post) -> str:
    return url_for(
        "forum.topic",
        topic_id=post.topic_id,
        page=services.page_of(post, POSTS_PER_PAGE),
        _anchor=f"mensagem-{post.id}",
    )


@bp.post("/previa")
@login_required
@authorise(Action.FORUM_VIEW)
def preview():
    body = (request.form.get("body") or "")[:BODY_MAX]
    return render("forum/preview.html", "forum/_preview.html", html=render_markdown(body))


@bp.route("/mensagens/<int:post_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.FORUM_POST_EDIT, _post_or_404, "post_id")
def edit_post(post: Post):
    form = PostForm(obj=post)
    if form.validate_on_submit():
        with form.refusals():
            services.edit_post(post, by=_me(), body=form.body.data)
            if is_htmx():
                return render_template("forum/_post.html", post=post, topic=post.topic)
            flash("Mensagem editada.", "success")
            return redirect(_post_url(post))
    return render(
        "forum/edit_post.html", "forum/_edit_form.html", form.status, form=form, post=post
    )


@bp.get("/mensagens/<int:post_id>/historico")
@login_required
@authorise(Action.FORUM_VIEW, _post_or_404, "post_id")
def post_history(post: Post):
    return render(
        "forum/history.html",
        "forum/_history.html",
        post=post,
        revisions=services.revisions(post),
    )


@bp.post("/mensagens/<int:post_id>/aceitar")
@login_required
def accept_answer(post_id: int):
    post = _post_or_404(post_id)
    require(current_user, Action.FORUM_TOPIC_ACCEPT, post.topic)
    services.accept_answer(post, by=_me())
    flash("Resposta marcada como aceita: o tópico está resolvido.", "success")
    return redirect(_post_url(post))


@bp.post("/topicos/<int:topic_id>/acompanhar")
@login_required
@authorise(Action.FORUM_WATCH, _topic_or_404, "topic_id")
def watch_topic(topic: Topic):
    following = services.toggle_watch(_me(), topic=topic)
    flash(
        "Você passou a acompanhar este tópico."
        if following
        else "Você deixou de acompanhar este tópico.",
        "success",
    )
    return redirect(url_for("forum.topic", topic_id=topic.id))


@bp.post("/categorias/<int:category_id>/acompanhar")
@login_required
@authorise(Action.FORUM_WATCH, Category, "category_id")
def watch_category(category: Category):
    following = services.toggle_watch(_me(), category=category)
    flash(
        "Você passou a acompanhar esta categoria."
        if following
        else "Você deixou de acompanhar esta categoria.",
        "success",
    )
    return redirect(url_for("forum.category", category_id=category.id))


# Moderation -----------------------------------------------------------------------------


@bp.route("/mensagens/<int:post_id>/denunciar", methods=["GET", "POST"])
@login_required
@authorise(Action.FORUM_REPORT, _post_or_404, "post_id")
def report_post(post: Post):
    form = ReportForm()
    if form.validate_on_submit():
        with form.refusals():
            services.report_post(post, by=_me(), reason=form.reason.data)
            flash("Denúncia enviada à moderação da SEGES. Obrigado.", "success")
            return redirect(_post_url(post))
    return render("forum/report.html", "forum/_report_form.html", form.status, form=form, post=post)


@bp.get("/denuncias")
@login_required
@authorise(Action.FORUM_MODERATE)
def reports():
    page = db.paginate(
        services.open_reports_query(),
        page=_page(),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render("forum/reports.html", "forum/_reports_table.html", page=page)


@bp.post("/denuncias/<int:report_id>/resolver")
@login_required
@authorise(Action.FORUM_MODERATE, Report, "report_id")
def resolve_report(report: Report):
    services.resolve_report(report, by=_me())
    flash("Denúncia marcada como resolvida.", "success")
    return redirect(url_for("forum.reports"))


def _moderate_post(post_id: int, action, message: str):
    post = _post_or_404(post_id)
    require(current_user, Action.FORUM_MODERATE, post)
    action(post, by=_me())
    flash(message, "success")
    return redirect(url_for("forum.topic", topic_id=post.topic_id))


@bp.post("/mensagens/<int:post_id>/ocultar")
@login_required
def hide_post(post_id: int):
    return _moderate_post(post_id, services.hide_post, "Mensagem ocultada.")


@bp.post("/mensagens/<int:post_id>/reexibir")
@login_required
def unhide_post(post_id: int):
    return _moderate_post(post_id, services.unhide_post, "Mensagem reexibida.")


@bp.post("/mensagens/<int:post_id>/excluir")
@login_required
def delete_post(post_id: int):
    return _moderate_post(post_id, services.delete_post, "Mensagem excluída.")


@bp.post("/topicos/<int:topic_id>/trancar")
@login_required
@authorise(Action.FORUM_MODERATE, _topic_or_404, "topic_id")
def lock_topic(topic: Topic):
    services.set_locked(topic, not topic.locked, by=_me())
    flash("Tópico trancado." if topic.locked else "Tópico destrancado.", "success")
    return redirect(url_for("forum.topic", topic_id=topic.id))


@bp.post("/topicos/<int:topic_id>/fixar")
@login_required
@authorise(Action.FORUM_MODERATE, _topic_or_404, "topic_id")
def pin_topic(topic: Topic):
    services.set_pinned(topic, not topic.pinned, by=_me())
    flash("Tópico fixado no topo." if topic.pinned else "Tópico desafixado.", "success")
    return redirect(url_for("forum.topic", topic_id=topic.id))


@bp.route("/topicos/<int:topic_id>/mover", methods=["GET", "POST"])
@login_required
@authorise(Action.FORUM_MODERATE, _topic_or_404, "topic_id")
def move_topic(topic: Topic):
    form = MoveTopicForm(categories=services.categories())
    if not form.is_submitted():
        form.category_id.data = str(topic.category_id)
    if form.validate_on_submit():
        target = db.session.get(Category, int(form.category_id.data))
        with form.refusals():
            services.move_topic(topic, target, by=_me())
            flash(f"Tópico movido para “{target.name}”.", "success")
            return redirect(url_for("forum.topic", topic_id=topic.id))
    return render("forum/move.html", "forum/_move_form.html", form.status, form=form, topic=topic)


# Categories -----------------------------------------------------------------------------


@bp.get("/categorias")
@login_required
@authorise(Action.FORUM_CATEGORY_MANAGE)
def categories():
    return render(
        "forum/categories.html", "forum/_categories_table.html", categories=services.categories()
    )


@bp.route("/categorias/nova", methods=["GET", "POST"])
@login_required
@authorise(Action.FORUM_CATEGORY_MANAGE)
def new_category():
    return _category_form(None)


@bp.route("/categorias/<int:category_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.FORUM_CATEGORY_MANAGE, Category, "category_id")
def edit_category(category: Category):
    return _category_form(category)


def _category_form(category: Category | None):
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        with form.refusals():
            services.save_category(
                category,
                by=_me(),
                name=form.name.data,
                description=form.description.data,
                position=form.position.data or 0,
                seges_only=form.seges_only.data,
            )
            flash("Categoria salva.", "success")
            return redirect(url_for("forum.categories"))
    return render(
        "forum/category_form.html",
        "forum/_category_form.html",
        form.status,
        form=form,
        category=category,
    )
