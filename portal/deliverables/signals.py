"""What happens to deliverables, for the features that react to it (notifications...).

Blinker signals, as Flask's own: the sender is the object, keyword arguments the details.
"""

from blinker import Namespace
from markupsafe import Markup

_signals = Namespace()

# sender: the Deliverable; review: the Review just recorded (approved or returned).
submission_decided = _signals.signal("submission-decided")

# Page sections that higher features add (training's progress bars), rendered by their
# receivers: the view collects them and passes them in, so no template fetches data.
# sender: the user whose "Minhas entregas" is shown.
home_sections = _signals.signal("home-sections")
# sender: the Deliverable shown; editable: whether this user may change its draft.
deliverable_sections = _signals.signal("deliverable-sections")


def sections(signal, sender, **details) -> list[Markup]:
    """The HTML that the receivers of a page-section signal return, in connection order.

    Receivers return ``render_template(...)`` output: autoescaped by Jinja, so it is marked
    safe here instead of being escaped a second time."""
    found = signal.send(sender, **details)
    return [Markup(html) for _receiver, html in found if html]  # noqa: S704 - see above
