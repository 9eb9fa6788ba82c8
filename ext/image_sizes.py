"""Every image gets its intrinsic width and height, so a page does not jump as images load.

``.. image::`` / ``.. figure::`` without ``:width:``/``:height:`` get them from the file:
an SVG's ``width``/``height`` (``pt`` and ``px``; else its ``viewBox``), another format's
pixels as Sphinx reads them. The browser reserves the box from the ratio before the file
arrives; furo's ``max-width: 100%; height: auto`` still scales it down. An image at
``:width: 100%`` keeps that width (class ``image-fill``) with the file's ratio. ``perf-chart``
images (written by the chart directive) carry theirs from :func:`svg_size`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.images import get_image_size

_ROOT_TAG = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px|pt)?\s*$")
_PX_PER = {"px": 1.0, "pt": 4.0 / 3.0, None: 1.0}
FILL_CLASS = "image-fill"


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(rf'\s{name}\s*=\s*"([^"]*)"', tag) or re.search(
        rf"\s{name}\s*=\s*'([^']*)'", tag)
    return match.group(1) if match else None


def svg_size(svg: str) -> tuple[int, int] | None:
    """Width and height in CSS pixels of an SVG document's root element, or None."""
    tag = _ROOT_TAG.search(svg)
    if tag is None:
        return None
    lengths = [_LENGTH.match(_attribute(tag.group(0), name) or "") for name in ("width", "height")]
    if all(lengths):
        width, height = (float(m.group(1)) * _PX_PER[m.group(2)] for m in lengths if m)
        return round(width), round(height)
    box = (_attribute(tag.group(0), "viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return round(float(box[2])), round(float(box[3]))
        except ValueError:
            return None
    return None


def image_size(path: Path) -> tuple[int, int] | None:
    """The intrinsic size of an image file in CSS pixels, or None when unreadable."""
    if path.suffix.lower() == ".svg":
        try:
            return svg_size(path.read_text(encoding="utf-8", errors="replace")[:4000])
        except OSError:
            return None
    size = get_image_size(path)
    return (int(size[0]), int(size[1])) if size else None


class SizeImages(SphinxPostTransform):
    """Sets ``width``/``height`` (unitless: pixels) on images that have neither."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for image in self.document.findall(nodes.image):
            fill = image.get("width", "").replace(" ", "") == "100%"
            if ("width" in image and not fill) or "height" in image or "scale" in image:
                continue
            uri = image.get("uri", "")
            if "://" in uri or uri.startswith("data:"):
                continue
            size = image_size(Path(self.env.srcdir, uri))
            if not (size and all(size)):
                continue
            image["width"], image["height"] = (str(value) for value in size)
            if fill:  # the column's width with the file's ratio (image-sizes.css)
                image["classes"].append(FILL_CLASS)


def setup_image_sizes(app: Sphinx) -> None:
    app.add_post_transform(SizeImages)
    app.add_css_file("image-sizes.css")
