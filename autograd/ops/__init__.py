"""Tensor operations, one ``Function`` subclass each, grouped by kind (one module a kind).

In each module an op is written once: its ``Function`` (forward, with its derivative
``backward`` right below and the derivative's text for drawings, ``rule``), its
functional form, listed in the module's ``__all__`` (``autograd`` exports them), and its
Tensor method, in the module's ``...Methods`` class that ``Tensor`` inherits. Backward
methods are written with Tensor operations, so they can themselves be differentiated.
"""
