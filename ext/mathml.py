"""Math as MathML written at build time: pages need no script and no other host.

Sphinx's default HTML math renderer loads MathJax from a CDN, so a formula shows as raw TeX
offline. This renderer converts the TeX of ``.. math::`` and ``:math:`` with docutils' own
LaTeX-to-MathML translator and writes the ``<math>`` element into the page; browsers render
MathML Core natively. Registering a second renderer makes Sphinx choose it over MathJax
(``html_math_renderer`` in ``conf.py`` still wins when set). TeX the translator does not
know is a located warning, and the page shows the TeX as code.
"""

from __future__ import annotations

from docutils import nodes
from docutils.utils.math import MathError
from docutils.utils.math.latex2mathml import tex2mathml
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

from ext.base import log_warning


def _mathml(self: HTML5Translator, node: nodes.Element, block: bool) -> str:
    latex = node.astext()
    try:
        return tex2mathml(latex, as_block=block)
    except MathError as err:
        log_warning(f"math shown as TeX: {err}", node, "unsupported_math")
        return f'<code class="math-tex">{self.encode(latex)}</code>'


def visit_math(self: HTML5Translator, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(_mathml(self, node, block=False) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self: HTML5Translator, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_mathml(self, node, block=True) + "</div>\n")
    raise nodes.SkipNode


def setup_mathml(app: Sphinx) -> None:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
