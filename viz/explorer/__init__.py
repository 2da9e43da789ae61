"""The graph explorer: ``explore(root, model=None)``, the whole graph as one clickable page.

``views`` cuts the graph into small views (modules, folded repeats, pages), ``nodeinfo``
records the numbers of each node, ``layout`` lays every view out with Graphviz, ``page``
writes the HTML and its script, ``build`` puts them together.
"""

from .build import MAX_VIEWS, Explorer, explore

__all__ = ["explore", "Explorer", "MAX_VIEWS"]
