"""Who may see an event and confirm attendance: SEGES, and the institutions it invited."""

from portal.core.access import Action, rule
from portal.events.services import is_invited


@rule(Action.EVENT_VIEW)
def _view_event(user, event) -> bool:
    return user.is_seges or is_invited(event, user.institution_id)


@rule(Action.EVENT_CONFIRM)
def _confirm_event(user, event) -> bool:
    return user.is_partner and is_invited(event, user.institution_id)
