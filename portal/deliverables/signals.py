"""What happens to deliverables, for the features that react to it (notifications...).

Blinker signals, as Flask's own: the sender is the object, keyword arguments the details.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Deliverable; review: the Review just recorded (approved or returned).
submission_decided = _signals.signal("submission-decided")
