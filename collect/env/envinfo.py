"""What the collector detects about the machine: instance type, CPU, versions."""

from __future__ import annotations

import os
import platform
import re
import secrets
import socket
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import collect
from collect.env.neuron import neuron_versions

DMI_PRODUCT_NAME = Path("/sys/class/dmi/id/product_name")
# EC2 Nitro instances publish the instance type (e.g. "inf2.xlarge") as the DMI product name.
INSTANCE_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
UNKNOWN = "unknown"


def instance_type(override: str | None = None, dmi_path: Path = DMI_PRODUCT_NAME) -> str:
    """``override`` if given, else the EC2 instance type from DMI, else ``unknown``."""
    if override:
        return override
    try:
        product = dmi_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return UNKNOWN
    return product if INSTANCE_TYPE_PATTERN.match(product) else UNKNOWN


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def os_name(os_release: Path = Path("/etc/os-release")) -> str | None:
    try:
        for line in os_release.read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by start time: ``20261122T040000Z-1a2b3c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cuda_device() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return None


def collect_env(instance_type_override: str | None = None, run_id: str | None = None) -> dict:
    """The ``env`` object of a results record (schema v1)."""
    return {
        "instance_type": instance_type(instance_type_override),
        "cpu_model": cpu_model(),
        "cpu_count": usable_cores(),
        "platform": platform.platform(),
        "os": os_name(),
        "python": platform.python_version(),
        "torch": package_version("torch"),
        "transformers": package_version("transformers"),
        "neuron": neuron_versions(),
        "cuda": cuda_device(),
        "hostname": socket.gethostname(),
        "run_id": run_id or new_run_id(),
        "started_at": utc_now(),
        "collector_version": collect.__version__,
    }
