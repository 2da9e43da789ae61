"""``Function``: the base class of every Tensor operation.

An op is written as two methods side by side::

    class Mul(Function):
        def forward(self, a, b):       # NumPy arrays in, NumPy array out
            self.save(a, b)
            return a * b

        def backward(self, gy):        # Tensor in, one Tensor (or None) per input out
            a, b = self.saved_tensors
            return gy * b, gy * a

``backward`` is written with Tensor operations, so when the backward pass is itself
recorded (``create_graph=True``) its result can be differentiated again: higher-order
derivatives come for free. ``Mul.apply(a, b)`` runs the op and records it.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import anomaly
from .graph import _GradMode

__all__ = ["Function"]


class Function:
    """Base class of Tensor ops; subclass it and write ``forward`` and ``backward``.

    Attributes available inside ``backward``
    ----------------------------------------
    inputs : tuple[Tensor, ...]
        The operands (the output node's ``parents``).
    needs_input_grad : tuple[bool, ...]
        Whether each input wants a gradient; ``backward`` may return ``None`` for the rest.
    saved_tensors : tuple[Tensor, ...]
        What ``forward`` passed to ``save``: inputs come back as the input Tensors
        themselves (so second derivatives flow through them), other arrays as constants.
    output : Tensor
        The result node (held weakly: a node never keeps its own output alive).
    """

    #: label used in drawings; defaults to the lower-case class name
    op: str = ""

    inputs: tuple
    needs_input_grad: tuple
    _saved: tuple
    _output_ref: Any
    created_at: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "op" not in cls.__dict__:
            cls.op = cls.__name__.lower()

    # ------------------------------------------------------------------ user hooks
    def forward(self, *arrays: np.ndarray, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__}.forward is not written")

    def backward(self, gy: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}.backward is not written: this op is not differentiable"
        )

    def save(self, *arrays: Any) -> None:
        """Keep what ``backward`` needs. Input arrays are remembered by position."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        from .tensor import Tensor

        inputs = self.inputs
        out = []
        for k, a in enumerate(self._saved):
            if not isinstance(a, np.ndarray):
                out.append(a)
            elif k < len(inputs) and inputs[k].data is a:
                out.append(inputs[k])  # the usual case: forward saved its inputs in order
            else:
                # Two inputs may share one array (x and x.detach()); take the first match.
                match = next((t for t in inputs if t.data is a), None)
                out.append(match if match is not None else Tensor._constant(a))
        return tuple(out)

    @property
    def output(self) -> Any:
        out = self._output_ref()
        if out is None:  # only reachable if a user keeps a Function after its output died
            raise RuntimeError(f"{self.op}: the output of this op no longer exists")
        return out

    # ------------------------------------------------------------------ running
    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the inputs' arrays and record the op if any input needs grad.

        Non-Tensor inputs (Python numbers, arrays) become constants of the first Tensor
        input's dtype, so ``x * 2`` stays float32 for a float32 ``x``.
        """
        Tensor = _tensor_module.Tensor
        for x in inputs:
            if not isinstance(x, Tensor):
                like = next((x for x in inputs if isinstance(x, Tensor)), None)
                inputs = tuple(
                    x if isinstance(x, Tensor) else _tensor_module._constant_like(x, like)
                    for x in inputs
                )
                break
        fn = object.__new__(cls)
        fn.inputs = inputs
        try:
            data = fn.forward(*[t.data for t in inputs], **kwargs)
        except ValueError as err:
            shapes = ", ".join(str(t.shape) for t in inputs)
            raise ValueError(f"{cls.op}: {err} (input shapes: {shapes})") from None
        if anomaly._Anomaly.enabled and anomaly._Anomaly.backward_of is None:
            # (ops run inside a backward are checked as that backward's result instead)
            fn.created_at = anomaly.user_frame()
            anomaly.check_forward(fn, data)
        needs = tuple([t.requires_grad for t in inputs])
        if _GradMode.enabled and True in needs:
            fn.needs_input_grad = needs
            out = Tensor._from_op(data, fn)
            fn._output_ref = weakref.ref(out)
            return out
        return Tensor._constant(data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} op={self.op!r}>"


from . import tensor as _tensor_module  # noqa: E402  (tensor.py imports this module)
