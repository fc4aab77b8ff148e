class ReportImportError(Exception):
    """A file that cannot be imported; ``message`` says why and what was expected, in Chinese.

    ``code`` is a stable machine-readable reason (for scripts and translations).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
