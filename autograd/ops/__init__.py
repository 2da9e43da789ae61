"""Tensor operations, one ``Function`` subclass each, grouped by kind.

Every op's derivative sits right below its forward computation. Backward methods are
written with Tensor operations, so they can themselves be differentiated.
"""
