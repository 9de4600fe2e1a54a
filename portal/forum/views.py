"""Forum pages: read the arguments, ask the policy, call a service, render."""

from datetime import UTC, datetime
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.core import audit, cache
from portal.core.access import Action, authorise, can, require
from portal.core.forms import bounded_int, own_tokens, token_stand_in
from portal.core.htmx import is_htmx, render
from portal.core.markdown import render_markdown
from portal.core.models import utcnow
from portal.core.pagination import paginate_counted, requested_page
from portal.core.storage import send_stored
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
from portal.forum.models import BODY_MAX, Attachment, Category, Post, Report, Topic

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


def _reloaded(form, *objects):
    """A refusal rolled the transaction back, expiring every object: load again what the
    form's page shows, here in the view (templates never query)."""
    if form.refused is not None:
        for obj in objects:
            if obj is not None:
                db.session.refresh(obj)
    return form.status


# Lists ----------------------------------------------------------------------------------


class TopicRow(NamedTuple):
    """One topic of a list, rendered as every reader sees it: ``read`` and ``unread`` are
    its two looks (the reader's own marks choose one per request)."""

    id: int
    last_post_at: datetime
    read: Markup
    unread: Markup


class TopicRows(NamedTuple):
    """A page of a topic list as readers share it (the attributes of a page that
    forum/_topics.html reads)."""

    items: list[TopicRow]
    page: int
    has_next: bool
    next_num: int | None
    total: int


def _minute() -> str:
    """The key part of kept forum HTML that says how long ago things happened ("há 3
    minutos"): it is right for the current minute."""
    return utcnow().strftime("%Y%m%d%H%M")


def _topic_list(category: Category | None, categories: list[Category] | None = None):
    """A page of the category's topics (``category`` None: every category's, ``categories``
    listing them all), and which of them are unread.

    Every reader of a list sees the same rows but for their own unread marks, so its pages
    are kept rendered until the forum changes (each row says how long ago its last activity
    was: for a minute at most)."""
    show_category = category is None
    number = requested_page()

    def rendered() -> TopicRows:
        page = paginate_counted(
            services.topics_query(category),
            lambda: services.topic_count(category if category else categories),
        )
        row = current_app.jinja_env.get_template("forum/_topic_row.html")
        items = [
            TopicRow(topic.id, topic.last_post_at, *(
                Markup(row.render(topic=topic, unread=marks, show_category=show_category))  # noqa: S704 - autoescaped
                for marks in ((), (topic.id,))))
            for topic in page.items
        ]
        return TopicRows(items, page.page, page.has_next, page.next_num, page.total)

    key = (f"forum:topics:{request.script_root}:{category.id if category else 'all'}:{number}"
           f":{_minute()}")
    rows = cache.cached(key, [search.VERSION], rendered)
    return rows, services.unread_ids(_me(), rows.items)


@bp.get("/")
@login_required
@authorise(Action.FORUM_VIEW)
def index():
    categories = services.categories()
    page, unread = _topic_list(None, categories)
    return render(
        "forum/index.html",
        "forum/_topics.html",
        page=page,
        unread=unread,
        categories=categories,
        filters=SearchForm(categories=categories),
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
    filters = SearchForm(request.args, categories=categories, goal_codes=services.goal_codes())
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
            goal_code=filters.goal.data or None,
            since=services.period_start(filters.periodo.data),
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


def _ask(category: Category | None):
    """The question form, in a category or from anywhere (the category chosen in the form).
    ``?meta=`` links the goal and, from anywhere, preselects its usual category."""
    me = _me()
    goal_id = _offered_goal_id(request.args.get("meta", type=bounded_int))
    categories = [c for c in services.categories() if can(me, Action.FORUM_TOPIC_CREATE, c)]
    form = TopicForm(
        goals=services.goal_choices(me, include_id=goal_id),
        categories=[] if category else categories,
    )
    if not form.is_submitted():
        if goal_id:
            form.goal_id.data = str(goal_id)
        if category is None:
            usual = services.suggested_category(services.goal(goal_id) if goal_id else None)
            chosen = request.args.get("categoria", type=bounded_int) or (usual and usual.id)
            if chosen in {c.id for c in categories}:
                form.category_id.data = str(chosen)
    if form.validate_on_submit():
        target = category or _chosen_category(form, categories)
        if target is not None:
            with form.refusals():
                topic = services.create_topic(
                    target,
                    by=me,
                    title=form.title.data,
                    body=form.body.data,
                    goal_id=int(form.goal_id.data) if form.goal_id.data else None,
                    files=form.files.data,
                )
                flash("Tópico publicado. Você será avisado(a) das respostas.", "success")
                return redirect(url_for("forum.topic", topic_id=topic.id))
    status = _reloaded(form, category)
    return render(
        "forum/new_topic.html",
        "forum/_topic_form.html",
        status,
        form=form,
        category=category,
        similar=_similar(form.title.data) if form.is_submitted() else [],
    )


def _chosen_category(form: TopicForm, categories: list[Category]) -> Category | None:
    by_id = {str(c.id): c for c in categories}
    chosen = by_id.get(form.category_id.data or "")
    if chosen is None:
        form.category_id.errors = [*form.category_id.errors, "Escolha a categoria."]
    return chosen


def _similar(title: str | None) -> list[Topic]:
    hits = search.similar_topics(title or "") if len((title or "").strip()) >= 3 else []
    topics = services.topics_by_id([topic_id for topic_id, _solved in hits])
    return [topics[topic_id] for topic_id, _solved in hits if topic_id in topics]


@bp.route("/nova-pergunta", methods=["GET", "POST"])
@post_rate_limit
@login_required
@authorise(Action.FORUM_TOPIC_CREATE)
def ask():
    return _ask(None)


@bp.route("/categorias/<int:category_id>/novo-topico", methods=["GET", "POST"])
@post_rate_limit
@login_required
@authorise(Action.FORUM_TOPIC_CREATE, Category, "category_id")
def new_topic(category: Category):
    return _ask(category)


@bp.get("/parecidos")
@login_required
@authorise(Action.FORUM_VIEW)
def similar_topics():
    """Active search under the title field: up to five topics that look like the question."""
    title = (request.args.get("title") or "")[:150]
    return render(
        "forum/similar.html", "forum/_similar.html", similar=_similar(title), title=title
    )


@bp.get("/pessoas")
@login_required
@authorise(Action.FORUM_VIEW)
def people():
    """The mention suggestion list (a WAI-ARIA listbox) for what follows the ``@``."""
    query = (request.args.get("q") or "")[:60]
    return render(
        "forum/people.html",
        "forum/_people.html",
        people=services.people_suggestions(query, exclude_id=current_user.id),
        query=query,
    )


@bp.get("/pessoas/<int:user_id>")
@login_required
@authorise(Action.FORUM_VIEW)
def person(user_id: int):
    """A person's card: name, institution, role and useful votes — never the e-mail."""
    person = services.person(user_id)
    if person is None:
        abort(404)
    return render(
        "forum/person.html",
        "forum/_person.html",
        person=person,
        useful=services.useful_votes_received(person),
    )


@bp.get("/sem-resposta")
@login_required
@authorise(Action.FORUM_MODERATE)
def unanswered():
    page = db.paginate(
        services.unanswered_query(),
        page=_page(),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render("forum/unanswered.html", "forum/_unanswered.html", page=page)


@bp.get("/topicos/<int:topic_id>")
@login_required
@authorise(Action.FORUM_VIEW, _topic_or_404, "topic_id")
def topic(topic: Topic):
    me = _me()
    number = _page()
    marks = services.post_marks(topic, number, POSTS_PER_PAGE)
    reader = services.reader_marks(topic, me, marks)  # held: mark_read() needs no query
    html = _topic_html(topic, number, marks, reader)
    services.mark_read(topic, me)  # after rendering: the page shows the visit's starting state
    if is_htmx():
        return html
    return render_template("forum/topic.html", topic=topic, topic_html=html)


def _topic_html(topic: Topic, number: int, marks: list[services.PostMark],
                reader: services.ReaderMarks) -> Markup:
    """A page of the topic as this reader sees it. Readers with the same rights over its
    posts, the same votes among them, the same first new post and the same watch see the
    same HTML, so it is kept until the forum's topics or posts change, and for the current
    minute ("há 3 minutos")."""
    me = _me()
    read, watching, voted = reader
    first_unread = services.first_unread_id(marks, read and read.read_at, me)
    rights = (
        can(me, Action.FORUM_MODERATE),
        can(me, Action.FORUM_TOPIC_REPLY, topic),
        can(me, Action.FORUM_TOPIC_ACCEPT, topic),
        [(can(me, Action.FORUM_POST_EDIT, m), can(me, Action.FORUM_POST_VOTE, m)) for m in marks],
    )

    def rendered() -> str:
        accepted, useful = services.best_answers(topic)
        with token_stand_in():
            return render_template(
                "forum/_topic.html",
                topic=topic,
                goal=services.goal(topic.goal_id) if topic.goal_id else None,
                page=services.posts_page(topic, number, POSTS_PER_PAGE),
                accepted=accepted,
                useful=useful,
                page_of=services.pages_of([accepted, *useful] if accepted else useful,
                                          POSTS_PER_PAGE),
                voted=voted,
                first_unread=first_unread,
                watching=watching,
                form=PostForm(formdata=None),
            )

    variant = cache.digest(rights, sorted(voted), first_unread, watching)
    key = f"forum:topic:{request.script_root}:{topic.id}:{number}:{_minute()}:{variant}"
    return own_tokens(cache.cached(key, [services.TOPIC_PAGE_VERSION], rendered))


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
            post = services.reply(topic, by=_me(), body=form.body.data, files=form.files.data)
            if is_htmx():
                return render_template(
                    "forum/_reply_created.html",
                    topic=topic,
                    post=post,
                    page=services.posts_page(
                        topic, services.page_of(post, POSTS_PER_PAGE), POSTS_PER_PAGE
                    ),
                    voted=set(),
                    watching=True,
                    form=PostForm(formdata=None),
                )
            flash("Resposta publicada.", "success")
            return redirect(_post_url(post))
    status = _reloaded(form, topic)
    return render("forum/reply.html", "forum/_reply_form.html", status, form=form, topic=topic)


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
                return render_template(
                    "forum/_post.html",
                    post=post,
                    topic=post.topic,
                    voted=services.voted_ids(_me(), [post]),
                )
            flash("Mensagem editada.", "success")
            return redirect(_post_url(post))
    status = _reloaded(form, post, post.topic)
    return render(
        "forum/edit_post.html", "forum/_edit_form.html", status, form=form, post=post,
        topic=post.topic,
    )


@bp.get("/mensagens/<int:post_id>/historico")
@login_required
@authorise(Action.FORUM_VIEW, _post_or_404, "post_id")
def post_history(post: Post):
    return render(
        "forum/history.html",
        "forum/_history.html",
        post=post,
        topic=post.topic,
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


@bp.post("/mensagens/<int:post_id>/util")
@login_required
@authorise(Action.FORUM_POST_VOTE, _post_or_404, "post_id")
def vote_useful(post: Post):
    voted = services.toggle_useful(post, by=_me())
    if is_htmx():
        return render_template("forum/_useful.html", post=post, voted={post.id} if voted else set())
    flash("Obrigado: resposta marcada como útil." if voted else "Voto retirado.", "success")
    return redirect(_post_url(post))


def _attachment_or_404(attachment_id: int) -> Attachment:
    return db.get_or_404(Attachment, attachment_id)


def _send_attachment(attachment: Attachment, *, preview: bool):
    post = attachment.post
    return send_stored(
        attachment.stored_name,
        name=attachment.original_name,
        mimetype=attachment.content_type,
        preview=preview,
        audit_event=lambda: audit.record(
            "forum.attachment_downloaded",
            post,
            actor=current_user,
            attachment_id=attachment.id,
            name=attachment.original_name,
        ),
    )


@bp.get("/anexos/<int:attachment_id>")
@login_required
@authorise(Action.FORUM_ATTACHMENT_VIEW, _attachment_or_404, "attachment_id")
def attachment(attachment: Attachment):
    return _send_attachment(attachment, preview=False)


@bp.get("/anexos/<int:attachment_id>/imagem")
@login_required
@authorise(Action.FORUM_ATTACHMENT_VIEW, _attachment_or_404, "attachment_id")
def attachment_image(attachment: Attachment):
    """An image attachment inline, for the post's own <img> (sized by CSS)."""
    if not attachment.is_image:
        abort(404)
    return _send_attachment(attachment, preview=True)


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
    status = _reloaded(form, post, post.topic)
    return render(
        "forum/report.html", "forum/_report_form.html", status, form=form, post=post,
        topic=post.topic,
    )


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
    status = _reloaded(form, topic)
    return render("forum/move.html", "forum/_move_form.html", status, form=form, topic=topic)


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
    status = _reloaded(form, category)
    return render(
        "forum/category_form.html",
        "forum/_category_form.html",
        status,
        form=form,
        category=category,
    )
