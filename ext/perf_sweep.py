"""``.. perf-sweep::``: a long-form sweep CSV as batch-size rows x one column per series."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from ext.df_table import DataDirective
from ext.filecache import FileCache
from ext.render import table_nodes
from perfcore.errors import DataFileError
from perfcore.sweep import build_sweep, parse_sweep_spec
from perfcore.tablespec import SpecError
from perfcore.yamlfile import YamlError


class PerfSweep(DataDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        try:
            spec = parse_sweep_spec("\n".join(self.content), self.get_source_info()[0],
                                    first_line=self.content_offset + 1)
            csv_path = self.data_path(spec.data)
            table = build_sweep(self.read_csv(csv_path), spec)
        except SpecError as err:
            return self.report(err.message, err.line or None)
        except (YamlError, DataFileError) as err:
            return self.report(str(err))
        return table_nodes(self.state, table, str(csv_path), caption=spec.caption)


def setup_perf_sweep(app: Sphinx, cache: FileCache) -> None:
    app.add_directive("perf-sweep", type("PerfSweep", (PerfSweep,), {"cache": cache}))
