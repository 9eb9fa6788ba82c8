"""Domain errors. The CLI turns each into a one-line message and a non-zero exit."""


class CollectError(Exception):
    """A problem the user can fix (bad option, bad file, unavailable backend)."""


class BackendUnavailable(CollectError):
    """The requested backend cannot run here; the message says why."""


class CompileFailed(Exception):
    """Compiling the model for a backend failed; recorded as ``compile_failed``."""
