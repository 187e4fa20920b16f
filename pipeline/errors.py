"""One exception tree: every failure says whether trying again can help."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error a stage raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PermanentError(PipelineError):
    """The input itself is at fault: running again gives the same result."""

    retryable = False


class TransientError(PipelineError):
    """A passing condition (a connection, a lock): the same input may succeed later."""

    retryable = True


class BadInputError(PermanentError):
    """The file is not a readable PDF."""


class NotAPdfError(BadInputError):
    pass


class EmptyFileError(BadInputError):
    pass


class EncryptedPdfError(BadInputError):
    pass


class DamagedPdfError(BadInputError):
    """Truncated or corrupt: the file starts like a PDF but cannot be read whole."""


class ExtractionError(PermanentError):
    """The PDF opened but the parser could not make sense of a page."""


class ScannedPdfError(PermanentError):
    """Image-only pages: the text must come from OCR, which this pipeline does not run yet."""
