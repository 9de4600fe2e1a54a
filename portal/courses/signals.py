"""What changes in the course schedule, for the features that react to it (notifications...)."""

from blinker import Namespace

_signals = Namespace()

# sender: the day of the change; deliverables: {institution id: id of the 3.2 deliverable}.
schedule_changed = _signals.signal("course-schedule-changed")
