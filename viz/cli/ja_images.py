"""The two pictures of README.ja.md, regenerated with ``make images-ja``::

    python -m viz.cli.ja_images docs/images

* ``ja_graph.png``: the micrograd lecture's ``L = (a*b + c) * f`` after ``backward()``,
  drawn with Japanese labels (データ / 勾配);
* ``ja_plot.png``: the training loss of micrograd's two-moons demo (a smaller run),
  plotted with Japanese title, axis and legend.

Both use only the bundled IPAexGothic font (matplotlib-fontja), so they come out the
same on a machine without any Japanese system font.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograd import Value
from nn.datasets import make_moons
from nn.scalar import MLP

from ..graph import draw_graph
from ..plots import plot_history
from ..render import dot_to_png
from .demo import DEFAULT_SEED, _train_step

__all__ = ["lecture_graph", "write_ja_images"]


def lecture_graph() -> Value:
    """``L = (a*b + c) * f`` with the lecture's numbers, after ``L.backward()``."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    return L


def write_ja_images(out_dir: str | Path = "docs/images", steps: int = 40) -> dict[str, Path]:
    """Write ``ja_graph.png`` and ``ja_plot.png`` into ``out_dir``; their paths by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    graph = out / "ja_graph.png"
    graph.write_bytes(dot_to_png(draw_graph(lecture_graph(), language="ja").source, scale=1.5))

    X, labels = make_moons(60, noise=0.1, random_state=DEFAULT_SEED)
    inputs = X.tolist()
    targets = [2.0 * float(t) - 1.0 for t in labels]
    model = MLP(2, [8, 8, 1], seed=DEFAULT_SEED)
    losses = [
        _train_step(model, inputs, targets, lr=1.0 - 0.9 * k / steps)[0] for k in range(steps)
    ]
    fig = plot_history({"train_loss": losses}, figsize=(5.0, 3.4), language="ja")
    # full-batch training: each step is one pass over the data, i.e. one epoch
    fig.axes[0].set_title("学習曲線: two moons データの訓練損失")
    plot = out / "ja_plot.png"
    from matplotlib import rc_context

    from ..fonts import ja_rc

    with rc_context(ja_rc()):  # tick labels are made when the figure is drawn
        fig.savefig(plot, dpi=110)
    return {"ja_graph": graph, "ja_plot": plot}


if __name__ == "__main__":  # pragma: no cover - a maintenance script
    for name, path in write_ja_images(sys.argv[1] if len(sys.argv) > 1 else "docs/images").items():
        print(f"{name}: {path}")
