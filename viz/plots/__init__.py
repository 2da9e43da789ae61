"""matplotlib plots: training curves, decision boundaries, optimizer paths, layer statistics.

matplotlib is optional (``pip install 'deltagrad[plots]'``) and imported only when a plot
is made. ``training`` holds the plots of a run, ``layers`` the per-layer ones.
"""

from .layers import plot_feature_maps, plot_filters, plot_gradient_flow, plot_histograms
from .training import (
    plot_decision_boundary,
    plot_history,
    plot_optimizer_trajectories,
    plot_sequence_predictions,
)

__all__ = [
    "plot_history",
    "plot_decision_boundary",
    "plot_optimizer_trajectories",
    "plot_sequence_predictions",
    "plot_gradient_flow",
    "plot_histograms",
    "plot_filters",
    "plot_feature_maps",
]
