"""Who may see an event and confirm attendance: SEGES, and the institutions it invited."""

from portal.core.access import rule
from portal.events.services import is_invited


@rule("event.view")
def _view_event(user, event) -> bool:
    return user.is_seges or is_invited(event, user.institution_id)


@rule("event.confirm")
def _confirm_event(user, event) -> bool:
    return user.is_partner and is_invited(event, user.institution_id)
