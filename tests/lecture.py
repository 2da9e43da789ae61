"""Karpathy's micrograd lecture example, L = (a·b + c)·f -- the graph several drawing tests
look at, after ``backward()`` unless asked otherwise."""

from __future__ import annotations

from autograd import Value


def lecture_graph(backward: bool = True) -> Value:
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    if backward:
        L.backward()
    return L
