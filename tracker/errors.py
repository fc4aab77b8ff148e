"""The one kind of error a rule raises to refuse a step: it says why, for the person who asked.

Services, the importer and the command line raise a :class:`Refusal` (or a kind of it) with a
message in the user's language (Chinese outside a request) and the HTTP status a page answers
with; views catch the base (see :func:`tracker.views.steps.run_step`), the command line prints the
message.
"""

from __future__ import annotations


class Refusal(Exception):
    """A step the rules refuse; ``message`` says why. ``status``: 409 by default, the request no
    longer fits what is stored; 400 for input that can never be right."""

    status = 409

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
