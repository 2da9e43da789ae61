"""``nn.utils``: helpers that PyTorch keeps in ``torch.nn.utils``.

Gradient clipping lives in :mod:`nn.optim.clip`; it is re-exported here so that code
written for PyTorch works unchanged::

    from nn.utils import clip_grad_norm_          # torch: from torch.nn.utils import ...
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
"""

from ..optim.clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
