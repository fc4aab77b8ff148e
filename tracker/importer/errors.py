from tracker.errors import Refusal


class ReportImportError(Refusal):
    """A file that cannot be imported; ``message`` says why and what was expected, in Chinese.

    ``code`` is a stable machine-readable reason (for scripts and translations).
    """

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
