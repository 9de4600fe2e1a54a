"""What happens to plans and adhesions, for the features that react to it (notifications...)."""

from blinker import Namespace

_signals = Namespace()

# sender: the new adhesion (Agreement); parent: the first-layer agreement; by: who registered it.
adhesion_registered = _signals.signal("adhesion-registered")
