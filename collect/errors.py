"""The collector's domain errors. The CLI turns each :class:`UserError` into one line."""

import errno

from perfcore.errors import UserError

OUT_OF_MEMORY_TEXTS = ("out of memory", "can't allocate memory", "cannot allocate memory")
"""What allocators say when memory runs out: CUDA's "out of memory", PyTorch's CPU
allocator's "DefaultCPUAllocator: can't allocate memory" (with "Error code 12 (Cannot
allocate memory)", ENOMEM)."""


class CollectError(UserError):
    """A problem the user can fix (bad option, bad file, unavailable backend)."""


class UsageError(UserError):
    """Options that do not go together; the message names them (argparse exit status 2)."""


class BackendUnavailable(CollectError):
    """The requested backend cannot run here; the message says why."""


class CompileFailed(Exception):
    """Compiling the model for a backend failed; recorded as ``compile_failed``."""


class MeasureTimeout(Exception):
    """The configuration did not finish within its timeout; recorded as ``timeout``."""


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` means the device (or host) ran out of memory: ``MemoryError``,
    ``torch.OutOfMemoryError`` (and ``torch.cuda.OutOfMemoryError``), an ``OSError`` with
    ENOMEM, or a ``RuntimeError`` whose message says so (the CPU allocator raises a plain
    ``RuntimeError``). The one test behind every ``oom`` status; torch is not imported."""
    if isinstance(error, MemoryError):
        return True
    if any(cls.__name__ == "OutOfMemoryError" for cls in type(error).__mro__):
        return True
    if isinstance(error, OSError) and error.errno == errno.ENOMEM:
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and any(part in text for part in OUT_OF_MEMORY_TEXTS)
