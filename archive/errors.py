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


class ConfigError(ArchiveError):
    """The configuration (options, environment, config file) cannot be used as given."""


class NotSupported(ArchiveError):
    """The chosen engine cannot do this yet."""

    status = 501
    hint = "use the Whoosh engine (the default) for this"


class EngineError(ArchiveError):
    """A search server failed, or refused a request; the message names it and the cause.

    `public` is the same without addresses (for pages anyone may see); `status` is the
    web app's answer (503: the archive cannot serve until the cluster is put right).
    """

    status = 503
    hint = "check the cluster, then try again"

    def __init__(self, message: str, hint: str | None = None, public: str | None = None):
        super().__init__(message, hint)
        self.public = public or message


class EngineUnavailable(EngineError):
    """The cluster cannot be reached, does not answer in time, or its index is red."""


class EngineAuthError(EngineError):
    """The cluster refused the configured user (401: wrong name or password; 403: no rights)."""

    hint = ("check ARCHIVE_OPENSEARCH_USER and ARCHIVE_OPENSEARCH_PASSWORD (or the config "
            "file), and the user's rights")


class EngineFull(EngineError):
    """The cluster refuses writes: a disk passed the flood-stage watermark (read-only index)."""

    hint = ("free disk space on the cluster's data nodes; OpenSearch lifts the block by itself "
            "once usage is below the high watermark")


class MappingConflict(EngineError):
    """The index holds documents or a mapping Morgue cannot use (another program's, or older)."""

    hint = "run `python manage.py reindex` to build a new index, or choose another index name"
