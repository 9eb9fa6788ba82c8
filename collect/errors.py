"""The collector's domain errors. The CLI turns each :class:`UserError` into one line."""

from perfcore.errors import UserError


class CollectError(UserError):
    """A problem the user can fix (bad option, bad file, unavailable backend)."""


class UsageError(UserError):
    """Options that do not go together; the message names them (argparse exit status 2)."""


class BackendUnavailable(CollectError):
    """The requested backend cannot run here; the message says why."""


class CompileFailed(Exception):
    """Compiling the model for a backend failed; recorded as ``compile_failed``."""
