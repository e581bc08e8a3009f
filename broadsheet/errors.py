"""Errors the import pipeline raises: each carries one clear line naming the input."""


class BroadsheetError(Exception):
    """Base class: `str(error)` is the one line shown to the maintainer."""


class SourceError(BroadsheetError):
    """An input could not be read: missing, empty, binary or undecodable."""


class HttpError(SourceError):
    """A URL answered with an HTTP error status (kept in `status`: 404 means not there)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class CleanError(BroadsheetError):
    """An input was read but holds no recognisable article (no title, no body)."""


class StoreError(BroadsheetError):
    """Writing into content/ or archive/ was refused or failed."""


class HandEditedError(StoreError):
    """The article on disk was edited by hand; re-import needs --force."""


class BuildError(BroadsheetError):
    """The site build reported an error."""
