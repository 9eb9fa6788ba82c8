"""``.. perf-family:: <family>`` with ``:platform:``: the Throughput / Latency optimized tab-set.

The tab-set is written as sphinx-design reST and parsed in place, with every generated
line attributed to the directive's own line; each tab holds a family ``df-table``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx

from ext.df_table import NO_RESULTS, DataDirective, TableError, plain_name
from ext.filecache import FileCache
from perfcore.families import VARIANTS, family_csv
from perfcore.yamlfile import YamlError


class PerfFamily(DataDirective):
    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"platform": directives.unchanged}  # checked in run

    def run(self) -> list[nodes.Node]:
        family = self.arguments[0]
        platform = (self.options.get("platform") or "").strip()
        if not platform:
            return self.report("needs :platform: (the data/<platform>/ folder)")
        try:
            spec = self.family_catalog().get(family, platform)
            if not plain_name(platform):
                self.check_platform(platform)
            if not any([self._has_rows(platform, family, variant) for variant in VARIANTS]):
                self.check_platform(platform)
                return [nodes.paragraph(NO_RESULTS, NO_RESULTS, classes=["df-table-empty"])]
        except YamlError as err:
            return self.report(str(err))
        except TableError as err:
            return self.report(str(err), err.line)
        tables = self._parse(self._tab_set(family, platform))
        return [superseded_notice(spec.superseded), *tables] if spec.superseded else tables

    def _has_rows(self, platform: str, family: str, variant: str) -> bool:
        path = self.data_path(family_csv(platform, family, variant))
        self.depend_if_present(path)
        if not path.is_file():
            return False
        try:
            return bool(self.read_csv(path).rows)
        except ValueError:
            return True  # let the tab's df-table show the error in place

    def _tab_set(self, family: str, platform: str) -> list[str]:
        lines = [".. tab-set::", ""]
        for variant, label in VARIANTS.items():
            lines += [
                f"   .. tab-item:: {label}",
                f"      :sync: {variant}",
                "",
                "      .. df-table::",
                f"         :family: {family}",
                f"         :platform: {platform}",
                f"         :variant: {variant}",
                "",
            ]
        return lines

    def _parse(self, lines: list[str]) -> list[nodes.Node]:
        source, line = self.get_source_info()
        content = StringList(lines, items=[(source, line - 1)] * len(lines))
        holder = nodes.container()
        self.state.nested_parse(content, self.content_offset, holder)
        return holder.children


def superseded_notice(why: str) -> nodes.Node:
    """Above a superseded family's tables: not current, and why (``families.yaml``)."""
    notice = nodes.admonition(classes=["df-table-superseded", "caution"])
    notice += nodes.title("Not current", "Not current")
    text = (f"{why} These rows are kept for reference; cost rankings and the cost explorer "
            "leave them out unless older measurements are asked for.")
    notice += nodes.paragraph(text, text)
    return notice


def setup_perf_family(app: Sphinx, cache: FileCache) -> None:
    app.add_directive("perf-family", type("PerfFamily", (PerfFamily,), {"cache": cache}))
