"""``.. perf-sweep::``: a long-form sweep CSV as batch-size rows x one column per series."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from ext.base import DataDirective, add_data_directive
from ext.filecache import FileCache
from ext.render import table_nodes
from perfcore.sweep import build_sweep, parse_sweep_spec


class PerfSweep(DataDirective):
    has_content = True

    def build(self) -> list[nodes.Node]:
        spec = parse_sweep_spec("\n".join(self.content), self.get_source_info()[0],
                                first_line=self.content_offset + 1)
        csv_path = self.data_path(spec.data)
        table = build_sweep(self.read_csv(csv_path), spec)
        return table_nodes(self.state, table, str(csv_path), caption=spec.caption)


def setup_perf_sweep(app: Sphinx, cache: FileCache) -> None:
    add_data_directive(app, "perf-sweep", PerfSweep, cache)
