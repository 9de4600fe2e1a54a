"""htmx helpers: one URL, two renderings (full page or fragment)."""

import json

from flask import Flask, Response, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment.

    Boosted navigation and history restores get the full page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    page_template: str, fragment_template: str, status: int = 200, **context
) -> tuple[str, int]:
    """Render the fragment for htmx requests and the page (which includes it) otherwise."""
    return render_template(fragment_template if is_htmx() else page_template, **context), status


def toast(response: Response, message: str, level: str = "success") -> Response:
    """Ask the page to show a toast (handled in static/js/portal.js)."""
    triggers = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    triggers["portal:toast"] = {"message": message, "level": level}
    response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


REDIRECTS = frozenset({301, 302, 303, 307, 308})


def init_app(app: Flask) -> None:
    @app.after_request
    def _vary_on_htmx(response: Response) -> Response:
        response.vary.add("HX-Request")
        return response

    @app.after_request
    def _redirects_for_htmx(response: Response) -> Response:
        """A view's redirect (PRG) answering an htmx request becomes HX-Redirect.

        The browser would follow a 302 inside the XHR and htmx would swap the next page into
        the form's target; HX-Redirect loads it as a page instead (flash messages included).
        """
        if is_htmx() and response.status_code in REDIRECTS and response.location:
            response.headers["HX-Redirect"] = response.location
            del response.headers["Location"]
            response.status_code = 200
            response.set_data(b"")
        return response
