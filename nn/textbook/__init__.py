"""``nn.textbook``: reference networks whose gradients are derived by hand in NumPy.

``elman`` is the textbook's Elman network (forward pass, loss, BPTT deltas written
out); ``rtrl`` computes its gradients by real-time recurrent learning and by BPTT, to be
compared number by number with each other and with autograd.
"""

from . import elman, rtrl

__all__ = ["elman", "rtrl"]
