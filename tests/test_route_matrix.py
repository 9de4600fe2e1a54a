"""Role × route matrix: every route of ``app.url_map`` with the expected status per role.

A new route without a row here fails ``test_every_route_has_a_declared_rule``. Statuses are
listed for: anonymous, seges_admin, seges_reviewer, partner_manager (MG), partner_member (MG).
Objects belong to Minas Gerais; other-institution access is covered per domain (IDOR tests).
"""

import pytest

ROLES = ["anonymous", "seges_admin", "seges_reviewer", "partner_manager", "partner_member"]

# endpoint: (method, url arguments, expected statuses in ROLES order)
MATRIX = {
    "static": ("GET", {"filename": "css/portal.css"}, "200 200 200 200 200"),
    "core.healthz": ("GET", {}, "200 200 200 200 200"),
    "deliverables.home": ("GET", {}, "302 200 200 200 200"),
    "deliverables.deliverable": ("GET", {"deliverable_id": "deliverable"}, "302 200 200 200 200"),
    "deliverables.save_draft": ("POST", {"deliverable_id": "deliverable"}, "302 403 403 302 302"),
    "deliverables.upload": ("POST", {"deliverable_id": "deliverable"}, "302 403 403 302 302"),
    "deliverables.add_link": ("POST", {"deliverable_id": "deliverable"}, "302 403 403 422 422"),
    "deliverables.remove_evidence": (
        "POST", {"deliverable_id": "deliverable", "evidence_id": "evidence"}, "302 403 403 302 302"
    ),
    "deliverables.submit": ("GET", {"deliverable_id": "deliverable"}, "302 403 403 200 200"),
    "deliverables.download": ("GET", {"evidence_id": "evidence"}, "302 200 200 200 200"),
    "deliverables.preview": ("GET", {"evidence_id": "evidence"}, "302 200 200 200 200"),
    "deliverables.queue": ("GET", {}, "302 200 200 403 403"),
    "deliverables.deadline_settings": ("GET", {}, "302 200 200 403 403"),
    "panel.panel_page": ("GET", {}, "302 200 200 403 403"),
    "panel.panel_csv": ("GET", {}, "302 200 200 403 403"),
    "panel.panel_xlsx": ("GET", {}, "302 200 200 403 403"),
    "reports.index": ("GET", {}, "302 200 200 403 403"),
    "reports.annual": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.annual_pdf": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.annual_xlsx": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.edit_introduction": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.my_contribution": ("GET", {}, "302 403 403 302 302"),
    "reports.contribution": ("GET", {"year": 2026, "institution_id": "mg"}, "302 200 200 200 200"),
    "reports.contribution_pdf": (
        "GET", {"year": 2026, "institution_id": "mg"}, "302 200 200 200 200"
    ),
    "reports.contribution_xlsx": (
        "GET", {"year": 2026, "institution_id": "mg"}, "302 200 200 200 200"
    ),
    "deliverables.analysis": ("GET", {"deliverable_id": "deliverable"}, "302 200 200 403 403"),
    "deliverables.decide": ("POST", {"deliverable_id": "deliverable"}, "302 422 422 403 403"),
    "deliverables.waive": ("POST", {"deliverable_id": "deliverable"}, "302 422 403 403 403"),
    "deliverables.undo_waiver": ("POST", {"deliverable_id": "deliverable"}, "302 302 403 403 403"),
    "auth.login": ("GET", {}, "200 302 302 302 302"),
    "auth.logout": ("POST", {}, "302 302 302 302 302"),
    "auth.account": ("GET", {}, "302 200 200 200 200"),
    "auth.change_password": ("GET", {}, "302 200 200 200 200"),
    "auth.forgot_password": ("GET", {}, "200 200 200 200 200"),
    "auth.reset_password": ("GET", {"token": "invalido"}, "302 302 302 302 302"),
    "auth.activate": ("GET", {"token": "invalido"}, "302 302 302 302 302"),
    "auth.users": ("GET", {}, "302 200 403 200 403"),
    "auth.invite_user": ("GET", {"institution_id": "mg"}, "302 200 403 200 403"),
    "auth.edit_user": ("GET", {"user_id": "member"}, "302 200 403 200 403"),
    "auth.deactivate_user": ("POST", {"user_id": "member"}, "302 302 403 302 403"),
    "auth.reactivate_user": ("POST", {"user_id": "member"}, "302 302 403 302 403"),
    "auth.resend_invitation": ("POST", {"user_id": "member"}, "302 409 403 409 403"),
    "agreements.institutions": ("GET", {}, "302 200 200 403 403"),
    "agreements.institution": ("GET", {"institution_id": "mg"}, "302 200 200 200 200"),
    "agreements.new_institution": ("GET", {}, "302 200 403 403 403"),
    "agreements.edit_institution": ("GET", {"institution_id": "mg"}, "302 200 403 403 403"),
    "agreements.agreements": ("GET", {}, "302 200 200 403 403"),
    "agreements.agreement": ("GET", {"agreement_id": "agreement"}, "302 200 200 200 200"),
    "agreements.edit_agreement": ("GET", {"agreement_id": "agreement"}, "302 200 403 403 403"),
    "agreements.edit_goal": (
        "GET",
        {"agreement_id": "agreement", "goal_id": "goal"},
        "302 200 403 403 403",
    ),
    "agreements.import_agreement": ("GET", {}, "302 200 403 403 403"),
    "agreements.signed_document": ("GET", {"agreement_id": "agreement"}, "302 404 404 404 404"),
    "agreements.new_adhesion": ("GET", {"agreement_id": "agreement"}, "302 200 403 200 403"),
    "forum.index": ("GET", {}, "302 200 200 200 200"),
    "forum.category": ("GET", {"category_id": "forum_category"}, "302 200 200 200 200"),
    "forum.search_page": ("GET", {}, "302 200 200 200 200"),
    "forum.new_topic": ("GET", {"category_id": "forum_category"}, "302 200 200 200 200"),
    "forum.topic": ("GET", {"topic_id": "forum_topic"}, "302 200 200 200 200"),
    "forum.reply": ("GET", {"topic_id": "forum_topic"}, "302 200 200 200 200"),
    "forum.preview": ("POST", {}, "302 200 200 200 200"),
    "forum.edit_post": ("GET", {"post_id": "forum_question"}, "302 403 403 403 200"),
    "forum.post_history": ("GET", {"post_id": "forum_reply"}, "302 200 200 200 200"),
    "forum.accept_answer": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 302"),
    "forum.watch_topic": ("POST", {"topic_id": "forum_topic"}, "302 302 302 302 302"),
    "forum.watch_category": ("POST", {"category_id": "forum_category"}, "302 302 302 302 302"),
    "forum.report_post": ("GET", {"post_id": "forum_reply"}, "302 200 200 200 200"),
    "forum.reports": ("GET", {}, "302 200 200 403 403"),
    "forum.resolve_report": ("POST", {"report_id": "forum_report"}, "302 302 302 403 403"),
    "forum.hide_post": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 403"),
    "forum.unhide_post": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 403"),
    "forum.delete_post": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 403"),
    "forum.lock_topic": ("POST", {"topic_id": "forum_topic"}, "302 302 302 403 403"),
    "forum.pin_topic": ("POST", {"topic_id": "forum_topic"}, "302 302 302 403 403"),
    "forum.move_topic": ("GET", {"topic_id": "forum_topic"}, "302 200 200 403 403"),
    "forum.categories": ("GET", {}, "302 200 403 403 403"),
    "forum.new_category": ("GET", {}, "302 200 403 403 403"),
    "forum.edit_category": ("GET", {"category_id": "forum_category"}, "302 200 403 403 403"),
    "notifications.index": ("GET", {}, "302 200 200 200 200"),
    "notifications.mark_read": (
        "POST", {"notification_id": "forum_notification"}, "302 403 403 403 302"
    ),
    "notifications.mark_all_read": ("POST", {}, "302 302 302 302 302"),
    "notifications.bell": ("GET", {}, "302 302 302 302 302"),
    "notifications.preferences": ("GET", {}, "302 200 200 200 200"),
    "agreements.my_focal_points": ("GET", {}, "302 302 302 302 302"),
    "agreements.focal_point_list": ("GET", {"institution_id": "mg"}, "302 200 200 200 200"),
    "agreements.new_focal_point": ("GET", {"institution_id": "mg"}, "302 200 403 200 403"),
    "agreements.edit_focal_point": (
        "GET", {"focal_point_id": "focal_point"}, "302 200 403 200 403"
    ),
    "agreements.end_focal_point": (
        "POST", {"focal_point_id": "focal_point"}, "302 302 403 302 403"
    ),
    "agreements.attach_focal_points": ("POST", {"institution_id": "mg"}, "302 403 403 302 403"),
    "agreements.painel_requests": ("GET", {}, "302 200 200 403 403"),
    "agreements.grant_painel_access": (
        "POST", {"focal_point_id": "focal_point"}, "302 302 403 403 403"
    ),
    "training.trainings": ("GET", {}, "302 200 200 200 200"),
    "training.new_training": ("GET", {}, "302 200 200 200 200"),
    "training.edit_training": ("GET", {"record_id": "training"}, "302 403 403 200 200"),
    "training.delete_training": ("POST", {"record_id": "training"}, "302 403 403 302 302"),
    "training.training_file": ("GET", {"record_id": "training"}, "302 200 200 200 200"),
    "training.prefill_report": (
        "POST", {"deliverable_id": "hours_deliverable"}, "302 403 403 302 302"
    ),
    "events.events_page": ("GET", {}, "302 200 200 200 200"),
    "events.new_event": ("GET", {}, "302 200 200 403 403"),
    "events.event": ("GET", {"event_id": "event"}, "302 200 200 200 200"),
    "events.event_ics": ("GET", {"event_id": "event"}, "302 200 200 200 200"),
    "events.confirm_event": ("POST", {"event_id": "event"}, "302 403 403 302 302"),
    "events.record_attendance": ("POST", {"event_id": "event"}, "302 302 302 403 403"),
    "events.info_requests": ("GET", {}, "302 200 200 403 403"),
    "events.new_info_request": ("GET", {}, "302 200 200 403 403"),
    "events.info_request": ("GET", {"request_id": "info_request"}, "302 200 200 403 403"),
    "courses.courses_page": ("GET", {}, "302 200 200 200 200"),
    "courses.courses_ics": ("GET", {}, "302 200 200 200 200"),
    "courses.course_catalog": ("GET", {}, "302 200 200 200 200"),
    "courses.new_course": ("GET", {}, "302 200 200 403 403"),
    "courses.edit_course": ("GET", {"course_id": "course"}, "302 200 200 403 403"),
    "courses.new_course_class": ("GET", {"course_id": "course"}, "302 200 200 403 403"),
    "courses.edit_course_class": ("GET", {"class_id": "course_class"}, "302 200 200 403 403"),
    "audit.events": ("GET", {}, "302 200 403 200 403"),
    "audit.events_csv": ("GET", {}, "302 200 403 200 403"),
    "audit.personal_data": ("GET", {}, "302 200 200 200 200"),
}


def _resolve(arguments: dict, users) -> dict:
    objects = {"mg": users["partner_manager"].institution_id, "member": users["partner_member"].id}
    if any(str(value).startswith("forum_") for value in arguments.values()):
        from tests.forum.forum_helpers import forum_objects

        objects.update(forum_objects(users))
    if {"agreement", "goal"} & set(arguments.values()):
        objects.update(_mg_agreement())
    if {"deliverable", "evidence"} & set(arguments.values()):
        objects.update(_mg_deliverable(users))
    if {"focal_point", "training", "hours_deliverable"} & set(arguments.values()):
        objects.update(_mg_network(users))
    if {"event", "info_request", "course", "course_class"} & set(arguments.values()):
        from tests.network.test_events import matrix_objects

        objects.update(matrix_objects(users))
    return {key: objects.get(value, value) for key, value in arguments.items()}


def _mg_agreement() -> dict:
    """MG's ACT imported from the seed plan (importing again reuses it)."""
    from datetime import date

    from portal.plans import services as plans
    from portal.plans.importer import parse_plan, read_seed_plan

    agreement, _ = plans.import_plan(parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5)
    return {"agreement": agreement.id, "goal": agreement.goals[0].id}


def _mg_deliverable(users) -> dict:
    """MG's deliverable for goal 1.2 with a draft holding one PDF."""
    import io

    from werkzeug.datastructures import FileStorage

    from portal.deliverables import services
    from portal.deliverables.models import Deliverable
    from portal.extensions import db

    agreement_id = _mg_agreement()["agreement"]
    deliverable = db.session.scalar(
        db.select(Deliverable).join(Deliverable.goal)
        .where(Deliverable.goal.has(agreement_id=agreement_id, code="1.2")))
    pdf = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "oficio.pdf")
    [evidence] = services.add_files(deliverable, [pdf], by=users["partner_member"])
    return {"deliverable": deliverable.id, "evidence": evidence.id}


def _mg_network(users) -> dict:
    """MG's Painel Gerencial focal point, a training record with a PDF, and MG's 2.2 deliverable."""
    import io
    from datetime import date

    from werkzeug.datastructures import FileStorage

    from portal.agreements.models import FocalPoint
    from portal.deliverables.models import Deliverable
    from portal.extensions import db
    from portal.focal_points import services as focal_points
    from portal.training import services as training
    from portal.training.models import TrainingRecord

    manager = users["partner_manager"]
    agreement_id = _mg_agreement()["agreement"]
    focal_point = db.session.scalar(db.select(FocalPoint).limit(1)) or focal_points.create(
        manager.institution, by=manager, purpose="painel", name="Paulo Painel",
        cpf="111.444.777-35", phone="(31) 3915-0102", email="paulo@mg.test")
    record = db.session.scalar(db.select(TrainingRecord).limit(1)) or training.save_record(
        None, institution_id=manager.institution_id, by=manager, title="Curso",
        start_on=date(2025, 11, 3), end_on=date(2025, 11, 5), hours=24, participants=30,
        modality="presencial", upload=FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "lista.pdf"))
    hours_deliverable = db.session.scalar(
        db.select(Deliverable.id).join(Deliverable.goal)
        .where(Deliverable.goal.has(agreement_id=agreement_id, code="2.2"),
               Deliverable.institution_id == manager.institution_id)
        .order_by(Deliverable.due_on).limit(1))
    return {"focal_point": focal_point.id, "training": record.id,
            "hours_deliverable": hours_deliverable}


def test_every_route_has_a_declared_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "declare the new routes in MATRIX"
    assert MATRIX.keys() - endpoints == set(), "MATRIX lists routes that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_route_answers_each_role_as_declared(app, client, users, login, endpoint, role):
    from flask import url_for

    method, arguments, statuses = MATRIX[endpoint]
    expected = int(statuses.split()[ROLES.index(role)])
    if role != "anonymous":
        login(users[role])
    url = url_for(endpoint, **_resolve(arguments, users))
    response = client.open(url, method=method)
    response.close()
    assert response.status_code == expected, f"{method} {url} as {role}"


@pytest.mark.parametrize("endpoint", sorted(e for e, row in MATRIX.items() if row[1] != {}))
def test_htmx_fragment_requests_are_refused_to_roles_refused_the_page(
    app, client, users, login, endpoint
):
    from flask import url_for

    method, arguments, statuses = MATRIX[endpoint]
    for role, status in zip(ROLES[1:], statuses.split()[1:], strict=True):
        if status != "403":
            continue
        login(users[role])
        response = client.htmx(url_for(endpoint, **_resolve(arguments, users)), method=method)
        assert response.status_code == 403, f"{endpoint} as {role}"
        client.post("/logout")


def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, client, users, login):
    """Enumerated from the URL map: any rule accepting POST/PUT/PATCH/DELETE."""
    from flask import url_for

    login(users["seges_admin"])
    checked = 0
    for rule in app.url_map.iter_rules():
        unsafe = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        for method in sorted(unsafe):
            arguments = MATRIX[rule.endpoint][1] if rule.endpoint in MATRIX else {}
            url = url_for(rule.endpoint, **_resolve(arguments, users))
            response = client.open(url, method=method, data={}, csrf=False)
            assert response.status_code == 400, f"{method} {url} accepted a request without CSRF"
            checked += 1
    assert checked >= 8
