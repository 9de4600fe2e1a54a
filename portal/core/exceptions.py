"""Domain errors raised by services; views turn them into clear messages."""


class DomainError(Exception):
    """A rule of the domain refused the action. ``message`` is shown to the user (pt-BR)."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(DomainError):
    status = 409


class NotFound(DomainError):
    """What was asked for does not exist (e.g. a report year out of range)."""

    status = 404
