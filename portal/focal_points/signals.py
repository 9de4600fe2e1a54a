"""What happens to focal points, for the features that react to it (notifications...)."""

from blinker import Namespace

_signals = Namespace()

# sender: the FocalPoint named for the Painel Gerencial (meta 1.3).
painel_access_requested = _signals.signal("painel-access-requested")
# sender: the FocalPoint SEGES registered in the Painel Gerencial; by: who recorded it.
painel_access_granted = _signals.signal("painel-access-granted")
