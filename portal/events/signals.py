"""What SEGES convenes and requests, for the features that react to it (notifications...)."""

from blinker import Namespace

_signals = Namespace()

# sender: the Event; invitees: institution ids invited.
event_convened = _signals.signal("event-convened")
# sender: the InfoRequest; deliverables: {institution id: id of the deliverable it now owes}.
info_requested = _signals.signal("info-requested")
