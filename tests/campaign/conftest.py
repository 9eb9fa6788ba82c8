"""A real local Ray cluster for the campaign tests: one process tree per node on this
machine, each node advertising the resources of the instance type it stands for.

No mocks: the driver, the Ray scheduler and the workers are the real ones; the models are
the registry's synthetic ones (a fixed busy-wait per batch) on the CPU backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

OBJECT_STORE_BYTES = 100 * 1024 * 1024
# Dead nodes are noticed within a few seconds instead of Ray's default of about 30 s.
FAST_FAILURE_DETECTION = {
    "health_check_initial_delay_ms": 0,
    "health_check_period_ms": 500,
    "health_check_failure_threshold": 3,
}


@dataclass
class LocalCluster:
    cluster: Any
    nodes: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.cluster.address

    def add(self, instance_type: str, **extra: float) -> Any:
        """A node serving ``instance_type`` (one benchmark slot, one CPU)."""
        node = self.cluster.add_node(
            num_cpus=1, object_store_memory=OBJECT_STORE_BYTES,
            resources={f"bench-{instance_type}": 1, **extra})
        self.cluster.wait_for_nodes()
        self.nodes.setdefault(instance_type, []).append(node)
        return node

    def node_ids(self, instance_type: str) -> set[str]:
        return {node.node_id for node in self.nodes[instance_type]}


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[LocalCluster]:
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "object_store_memory": OBJECT_STORE_BYTES,
        "_system_config": FAST_FAILURE_DETECTION})
    local = LocalCluster(cluster)
    try:
        yield local
    finally:
        cluster.shutdown()
