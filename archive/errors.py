"""Domain errors of the archive core; the web app and the CLI translate them at the edges."""


class ArchiveError(Exception):
    """Base class of every error the archive reports to a person."""

    hint: str | None = None

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self)


class IndexMissing(ArchiveError):
    """There is no index yet at the configured path."""

    hint = "run `python manage.py reindex` first"


class IndexLocked(ArchiveError):
    """Another process is writing to the index."""

    hint = "wait for the other command to finish, then try again"


class IndexCorrupt(ArchiveError):
    """The index exists but cannot be read."""

    hint = "run `python manage.py reindex` to rebuild it from the corpus"


class BadQuery(ArchiveError):
    """The query text or a search parameter cannot be understood."""


class ArticleNotFound(ArchiveError):
    """No article has the requested id."""


class CorpusError(ArchiveError):
    """A corpus file cannot be added or read."""
