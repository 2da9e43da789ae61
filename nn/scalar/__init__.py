"""``nn.scalar``: networks made of scalar ``Value`` nodes, every weight a node you can draw.

``mlp`` holds the micrograd-style ``Neuron``/``Layer``/``MLP``; ``conv`` the convolution
and pooling on small grids of Values (the textbook's worked examples).
"""

from .conv import as_values, avg_pool2d, conv2d, grads, max_pool2d, to_array
from .mlp import MLP, Layer, Module, Neuron, ScalarModule

__all__ = [
    "ScalarModule",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "as_values",
    "grads",
    "to_array",
]
