"""Cronograma de cursos: classes for everyone; courses and classes managed by SEGES."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.core.access import Action, authorise, can, require
from portal.core.htmx import render
from portal.core.pagination import page_numbers, requested_page
from portal.core.templating import render_markup
from portal.courses import services as courses
from portal.courses.forms import CourseClassForm, CourseFilterForm, CourseForm
from portal.courses.models import Course, CourseClass
from portal.events import services as events
from portal.extensions import db

bp = Blueprint("courses", __name__)


def _filtered():
    filters = CourseFilterForm(request.args)
    filters.validate()
    today = events.local_today()
    query = courses.classes_query(
        today=today, modality=filters.modalidade.data or None,
        month=filters.mes.data if not filters.mes.errors else None,
        open_only=bool(filters.abertas.data))
    return filters, query, today


@bp.get("/cursos")
@login_required
@authorise(Action.COURSE_VIEW)
def courses_page():
    filters, query, today = _filtered()
    manage = can(current_user, Action.COURSE_MANAGE)

    def rendered() -> tuple[Markup, int]:  # the same for everyone (managers apart) on a day
        page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"],
                           error_out=False)
        return render_markup("courses/_courses_table.html", page=page, today=today,
                             manage=manage), page.total

    chosen = (filters.modalidade.data, None if filters.mes.errors else filters.mes.data,
              bool(filters.abertas.data))
    table, total = courses.kept_schedule(
        f"{request.script_root}:{chosen}:{requested_page()}:{manage}:{today}", rendered)
    return render("courses/courses.html", "courses/_courses.html", table=table,
                  page=page_numbers(total), filters=filters, manage=manage)


@bp.get("/cursos.ics")
@login_required
@authorise(Action.COURSE_VIEW)
def courses_ics():
    _filters, query, _today = _filtered()
    classes = list(db.session.scalars(query.limit(courses.ICS_LIMIT)))
    return Response(courses.schedule_calendar(classes), mimetype="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="cronograma-de-cursos.ics"',
        "Cache-Control": "private, no-store"})


@bp.get("/cursos/catalogo")
@login_required
@authorise(Action.COURSE_VIEW)
def course_catalog():
    page = db.paginate(courses.courses_query(), per_page=current_app.config["ITEMS_PER_PAGE"],
                       error_out=False)
    return render("courses/course_catalog.html", "courses/_course_catalog.html", page=page,
                  manage=can(current_user, Action.COURSE_MANAGE))


@bp.route("/cursos/novo", methods=["GET", "POST"])
@login_required
@authorise(Action.COURSE_MANAGE)
def new_course():
    return _course_form(None)


@bp.route("/cursos/<int:course_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.COURSE_MANAGE, Course, "course_id")
def edit_course(course: Course):
    return _course_form(course)


def _course_form(course: Course | None):
    form = CourseForm(obj=course)
    if form.validate_on_submit():
        with form.refusals():
            course = courses.save_course(
                course, by=current_user, title=form.title.data,
                description=form.description.data, hours=form.hours.data,
                modality=form.modality.data, audience=form.audience.data)
            flash("Curso salvo.", "success")
            return redirect(url_for("courses.course_catalog"))
    return render("courses/course_form.html", "courses/_course_form.html", form.status,
                  form=form, course=course,
                  classes=courses.classes_of(course) if course else [])


@bp.route("/cursos/<int:course_id>/turmas/nova", methods=["GET", "POST"])
@login_required
@authorise(Action.COURSE_MANAGE, Course, "course_id")
def new_course_class(course: Course):
    return _class_form(course, None)


@bp.route("/cursos/turmas/<int:class_id>/editar", methods=["GET", "POST"])
@login_required
def edit_course_class(class_id: int):
    klass = db.get_or_404(CourseClass, class_id)
    require(current_user, Action.COURSE_MANAGE, klass)
    return _class_form(klass.course, klass)


def _class_form(course: Course, klass: CourseClass | None):
    form = CourseClassForm(obj=klass)
    if form.validate_on_submit():
        with form.refusals():
            courses.save_class(
                klass, course=course, by=current_user,
                enrollment_opens_on=form.enrollment_opens_on.data,
                enrollment_closes_on=form.enrollment_closes_on.data,
                starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                seats=form.seats.data, place=form.place.data,
                enrollment_url=form.enrollment_url.data)
            flash("Turma salva no cronograma de cursos.", "success")
            return redirect(url_for("courses.courses_page"))
    return render("courses/course_class_form.html", "courses/_course_class_form.html",
                  form.status, form=form, course=course, klass=klass)
