"""``Function``: the base class of every Tensor operation.

An op is written as two methods side by side, with the text of its derivative::

    class Mul(Function):
        rule = DerivativeRule.of("a b", "gy·{1}", "gy·{0}")  # drawn on the edges

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
from .anomaly import _Anomaly
from .anomaly import _local as _anomaly_local
from .graph import _GradMode, _Mutations, _new_version_counter, set_grad_enabled
from .graph import _local as _grad_local
from .rules import DerivativeRule

__all__ = ["Function", "Nodes"]


class Nodes:
    """The node class that ops make: ``autograd.tensor.Tensor`` puts itself here when its
    module loads.

    ``Tensor`` inherits its methods from the op modules (``exp`` from
    ``ops/elementwise.py``, ...), so ``tensor.py`` imports them and they cannot import
    it back; an op reaches the class through here instead. Dependencies then run one way:
    ``graph <- function <- ops/* <- tensor``.
    """

    Tensor: Any = None
    #: ``constant_like(x, like)``: a constant Tensor for a non-Tensor operand ``x``
    constant_like: Any = None


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

    Saved tensors and in-place changes
    ----------------------------------
    If an in-place op changes a saved input (or the output, which ``backward`` reads
    through ``self.output``) after this op ran, ``saved_tensors``/``output`` raise
    ``RuntimeError`` instead of letting ``backward`` use the new values -- PyTorch's
    rule. (The check compares the tensor's version counter with the op's ``_stamp``;
    see ``autograd/inplace.py``.)
    """

    #: label used in drawings; defaults to the lower-case class name
    op: str = ""
    #: the text of the derivative, drawn on the edges into the op (``autograd/rules.py``);
    #: ``None``: drawings show the neutral ``∂(op)/∂input i``
    rule: DerivativeRule | None = None

    inputs: tuple
    needs_input_grad: tuple
    _saved: tuple
    _output_ref: Any
    created_at: Any = None
    #: True for ops whose forward may return a view of input 0 (reshape, transpose, ...):
    #: the output then shares the input's version counter, as views do in PyTorch
    view_of_input: bool = False
    _stamp: int = 0  # newest in-place stamp when recorded (see autograd/graph.py)
    _saved_extra: tuple = ()  # tensors standing in for saved arrays (inplace.py)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "op" not in cls.__dict__:
            cls.op = cls.__name__.lower()
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            _adopt_pytorch_form(cls)

    # ------------------------------------------------------------------ PyTorch's form
    def save_for_backward(self, *tensors: Any) -> None:
        """PyTorch's name for :meth:`save` (``ctx.save_for_backward(x)``): Tensors are
        kept by their arrays, so ``saved_tensors`` gives back the op's own inputs."""
        self.save(*(t._data if isinstance(t, Nodes.Tensor) else t for t in tensors))

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Accepted for PyTorch code; an op here has one output, which gets gradients."""

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        """DeZero's form ``Square()(x)``: the same as ``Square.apply(x)``."""
        return type(self).apply(*inputs, **kwargs)

    # ------------------------------------------------------------------ user hooks
    # Each op names its own operands and keyword options (``forward(self, x, dim=-1)``),
    # so the base takes ``*arrays: Any, **kwargs: Any``: mypy and pyright accept any
    # override of that form. The arrays are NumPy arrays; the result is one.
    def forward(self, *arrays: Any, **kwargs: Any) -> Any:
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
        inputs = self.inputs
        out = []
        for k, a in enumerate(self._saved):
            if not isinstance(a, np.ndarray):
                out.append(a)
                continue
            if k < len(inputs) and inputs[k]._data is a:
                j = k  # the usual case: forward saved its inputs in order
            else:
                # Two inputs may share one array (x and x.detach()); take the first match.
                j = next((i for i, t in enumerate(inputs) if t._data is a), -1)
                if j < 0:
                    extra = next((t for t in self._saved_extra if t._data is a), None)
                    out.append(extra if extra is not None else Nodes.Tensor._constant(a))
                    continue
            t = inputs[j]
            if t._vc is not None and t._vc[2] > self._stamp:
                self._modified_error(t, f"input {j}")
            out.append(t)
        return tuple(out)

    @property
    def saved_arrays(self) -> tuple:
        """What ``save`` kept, as it kept it (arrays, not Tensors), after the same check
        as ``saved_tensors``: a saved input changed in place since this op ran raises.
        With no in-place change anywhere since then (one comparison of stamps), the
        check has nothing to look at and costs nothing."""
        if _Mutations.latest > self._stamp:
            self.saved_tensors  # noqa: B018 -- run for its check; raises on a change
        return self._saved

    def _modified_error(self, t: Any, which: str) -> None:
        version, _, _, recent = t._vc
        newer = sum(1 for s in recent if s > self._stamp)
        saved = (
            f"version {version - newer}"
            if newer < len(recent) or newer == version
            else (f"a version before {version - newer + 1}")
        )
        raise RuntimeError(
            f"{self.op}: a tensor this op saved for backward ({which}, shape {t.shape}, "
            f"dtype {t.dtype}) was modified by an in-place operation: it is at version "
            f"{version}, but the op saved {saved}, so its gradient would use the new "
            "values. Use an out-of-place op instead (y = y + 1, not y += 1 or y.add_(1)), "
            "or modify a copy made with .clone()"
        )

    @property
    def output(self) -> Any:
        out = self._output_ref()
        if out is None:  # only reachable if a user keeps a Function after its output died
            raise RuntimeError(f"{self.op}: the output of this op no longer exists")
        if out._vc is not None and out._vc[2] > self._stamp:
            self._modified_error(out, "its output")
        return out

    # ------------------------------------------------------------------ running
    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the inputs' arrays and record the op if any input needs grad.

        Non-Tensor inputs (Python numbers, arrays) become constants of the first Tensor
        input's dtype, so ``x * 2`` stays float32 for a float32 ``x``.
        """
        Tensor = Nodes.Tensor
        for x in inputs:
            if not isinstance(x, Tensor):
                like = next((x for x in inputs if isinstance(x, Tensor)), None)
                inputs = tuple(
                    x if isinstance(x, Tensor) else Nodes.constant_like(x, like) for x in inputs
                )
                break
        fn = object.__new__(cls)
        fn.inputs = inputs
        try:
            data = fn.forward(*[t._data for t in inputs], **kwargs)
        except ValueError as err:
            shapes = ", ".join(str(t.shape) for t in inputs)
            raise ValueError(f"{cls.op}: {err} (input shapes: {shapes})") from None
        if _Anomaly.any_on and _anomaly_local.enabled and _anomaly_local.backward_of is None:
            # (ops run inside a backward are checked as that backward's result instead)
            fn.created_at = anomaly.user_frame()
            anomaly.check_forward(fn, data)
        needs = tuple([t.requires_grad for t in inputs])
        if (_GradMode.all_on or _grad_local.enabled) and True in needs:
            fn.needs_input_grad = needs
            out = Tensor._from_op(data, fn)
            fn._output_ref = weakref.ref(out)
            if _Mutations.latest:
                fn._stamp = _Mutations.latest
        else:
            out = Tensor._constant(data)
        if cls.view_of_input:
            _share_version(inputs[0], out)
        return out

    def inputs_as_used(self) -> tuple:
        """The inputs as they were when this op ran: an input changed in place since
        then (and given the in-place op as its new history, ``autograd/inplace.py``) is
        replaced by the hidden snapshot of the version this op used."""
        parents = []
        for p in self.inputs:
            snaps = p._snaps
            if snaps:
                for stamp, ref in snaps:
                    if stamp > self._stamp:
                        snap = ref()
                        if snap is not None:
                            p = snap
                        break
            parents.append(p)
        return tuple(parents)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} op={self.op!r}>"


def _adopt_pytorch_form(cls: type[Function]) -> None:
    """Let a PyTorch-style op run as written::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):              # Tensors in (outside the graph), Tensor out
                ctx.save_for_backward(x)
                return x ** 3
            @staticmethod
            def backward(ctx, grad_output):   # Tensors in and out, as below
                (x,) = ctx.saved_tensors
                return grad_output * 3 * x ** 2

    ``ctx`` is the op object itself (``Cube.apply(x)`` makes one per call). The static
    forward gets the inputs as Tensors with recording off -- PyTorch runs it the same
    way -- and its result's array becomes the output; ``saved_tensors`` gives the real
    inputs back to ``backward``, so its Tensor arithmetic is differentiable again.
    """
    user_forward = cls.__dict__["forward"].__func__
    user_backward = cls.__dict__.get("backward")

    def forward(self: Function, *arrays: np.ndarray, **kwargs: Any) -> np.ndarray:
        Tensor = Nodes.Tensor
        with set_grad_enabled(False):
            out = user_forward(self, *[Tensor._constant(a) for a in arrays], **kwargs)
        return out._data if isinstance(out, Tensor) else np.asarray(out)

    forward.__doc__ = user_forward.__doc__
    # the class's methods are replaced on purpose (mypy flags any assignment to a method)
    cls.forward = forward  # type: ignore[method-assign]
    if isinstance(user_backward, staticmethod):
        backward_fn = user_backward.__func__

        def backward(self: Function, gy: Any) -> Any:
            return backward_fn(self, gy)

        backward.__doc__ = backward_fn.__doc__
        cls.backward = backward  # type: ignore[method-assign]


def _share_version(base: Any, view: Any) -> None:
    """A view shares its base's version counter: changing either changes both."""
    owner = view._data.base
    if owner is None or not (owner is base._data or owner is base._data.base):
        return  # NumPy had to copy: not a view after all
    vc = base._vc
    if vc is None:
        vc = base._vc = _new_version_counter()
    vc[1] = True  # has views
    view._vc = vc
