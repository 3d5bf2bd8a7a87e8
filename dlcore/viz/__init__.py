"""Pictures of computational graphs, for any front end (no kernel-core module imports this).

The front ends only translate their own structures into a :class:`Diagram`
(``dlcore_static.viz`` for a tf-style Graph, ``dlcore_eager.viz`` for an autograd tape); the
drawing lives here and knows nothing about Sessions or Tensors.  Three modules, one concept each:

* ``model.py``   the diagram model: :class:`Node`, :class:`Edge`, styles, and transformations
                 (:func:`side_by_side`, :func:`collapse_scopes`, TensorBoard-style name scopes);
* ``layout.py``  the layered (Sugiyama) layout used when Graphviz is absent;
* ``render.py``  :class:`Diagram` (the model plus its renderers): DOT text, Graphviz, and the
                 matplotlib fallback.

Set ``DLCORE_VIZ_ENGINE`` to ``dot`` or ``matplotlib`` to force a renderer, and
``DLCORE_VIZ_FORMAT`` to ``png`` to show PNG instead of SVG in Jupyter.
"""

from .layout import Layout, count_crossings, layered_layout, longest_path_layers
from .model import (
    EDGE_STYLES,
    HIGHLIGHTS,
    KIND_STYLES,
    DiagramModel,
    Edge,
    Node,
    collapse_scopes,
    side_by_side,
)
from .render import Diagram, have_dot

__all__ = ["EDGE_STYLES", "HIGHLIGHTS", "KIND_STYLES", "Diagram", "DiagramModel", "Edge",
           "Layout", "Node", "collapse_scopes", "count_crossings", "have_dot", "layered_layout",
           "longest_path_layers", "side_by_side"]
