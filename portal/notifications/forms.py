"""The e-mail preferences form: one radio group per kind the user can receive."""

from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.core.forms import PortalForm, choices
from portal.notifications import kinds


class PreferencesForm(PortalForm):
    """Fields are added per user by :func:`preferences_form`."""

    kind_fields: tuple[tuple[str, str], ...] = ()  # (field name, kind code), in order


def preferences_form(user, current: dict[str, str]) -> PreferencesForm:
    """A form class built for this user's kinds (partners and SEGES see different lists)."""

    class UserPreferencesForm(PreferencesForm):
        pass

    fields = []
    for kind in kinds.kinds_for(user):
        name = "k_" + kind.code.replace(".", "__")
        setattr(
            UserPreferencesForm,
            name,
            RadioField(
                kind.label,
                choices=choices(kinds.DELIVERIES.items()),
                default=current.get(kind.code, kind.default),
                validators=[InputRequired("Escolha como receber.")],
            ),
        )
        fields.append((name, kind.code))
    UserPreferencesForm.kind_fields = tuple(fields)
    return UserPreferencesForm()


def chosen(form: PreferencesForm) -> dict[str, str]:
    return {code: form[name].data for name, code in form.kind_fields}
