"""``python -m viz`` / ``deltagrad``: draw the backprop graph of an expression, run the demo.

Examples
--------
::

    python -m viz expr "tanh(a*b + c)" a=2 b=-3 c=10 -o graph.svg
    python -m viz expr -o neg.svg -- "-a*b" a=1 b=2   # "--" before a leading "-"
    python -m viz demo --out demo_out
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

__all__ = ["main", "build_parser"]

#: Output formats ``viz.render.save`` picks from the file suffix.
OUTPUT_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv")

#: Largest width or precision accepted in ``--format`` (``.1000000000f`` would build a
#: gigabyte string).
_MAX_FORMAT_FIELD = 100


class _UsageError(Exception):
    """A mistake in the command line (reported argparse-style, exit status 2)."""


def _version() -> str:
    """The installed distribution's version (pyproject.toml is its only source)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deltagrad")
    except PackageNotFoundError:
        return "(not installed: run `make venv`)"


def build_parser(prog: str = "deltagrad") -> argparse.ArgumentParser:
    """The argument parser with the ``expr`` and ``demo`` subcommands."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Draw reverse-mode autodiff graphs with deltagrad.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    expr = sub.add_parser(
        "expr",
        help="draw the backprop graph of an arithmetic expression",
        description=(
            "Build EXPRESSION out of autograd.Value nodes, run backward() and draw the "
            "graph with every value and gradient. Allowed: numbers, variables, "
            "+ - * / **, unary -, and tanh relu sigmoid exp log sqrt sin cos abs "
            "leaky_relu. The text is parsed against a whitelist, never evaluated."
        ),
        epilog='An expression that starts with "-" goes after "--", options before it: '
        'expr -o g.svg -- "-a*b" a=1 b=2',
    )
    expr.add_argument("expression", metavar="EXPRESSION", help='e.g. "tanh(a*b + c)"')
    expr.add_argument(
        "assignments",
        metavar="NAME=VALUE",
        nargs="*",
        help="a number for each variable, e.g. a=2 b=-3",
    )
    expr.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="drawing to write; the suffix picks the format: "
        f"{' '.join(OUTPUT_SUFFIXES)} (default: graph.svg)",
    )
    expr.add_argument(
        "--rankdir",
        choices=("LR", "TB", "RL", "BT"),
        default="LR",
        help="layout direction: LR left to right (default), TB top to bottom",
    )
    expr.add_argument(
        "--no-grad",
        action="store_true",
        help="forward pass only: skip backward() and draw values without gradients",
    )
    expr.add_argument(
        "--no-local-grads",
        action="store_true",
        help="do not label edges with local derivatives",
    )
    expr.add_argument(
        "--format",
        dest="number_format",
        default=".4g",
        metavar="SPEC",
        help="format spec for numbers in the table and the drawing (default: .4g)",
    )
    expr.add_argument(
        "--language",
        choices=("en", "ja"),
        default="en",
        help="language of the words in the drawing: en (default) or ja (データ / 勾配)",
    )
    expr.set_defaults(run=_run_expr, subparser=expr)

    demo = sub.add_parser(
        "demo",
        help="train a tiny MLP on two moons and draw one neuron's graph",
        description=(
            "Train nn.scalar.MLP(2, [16, 16, 1]) on 100 two-moons points with the SVM "
            "max-margin loss (micrograd's demo), then write the drawing of one neuron's "
            "computation, the loss/accuracy curve and the decision boundary."
        ),
    )
    demo.add_argument("--out", default="demo_out", help="output directory (default: demo_out)")
    demo.add_argument("--steps", type=_positive_int, default=100, help="SGD steps (default: 100)")
    demo.add_argument("--seed", type=int, default=None, help="seed for data and weights")
    demo.set_defaults(run=_run_demo, subparser=demo)

    doctor = sub.add_parser(
        "doctor",
        help="check this environment: packages, renderers, PyTorch for the oracle tests",
        description=(
            "One OK/FIX line per part (which autograd/nn/viz are imported and from where, "
            "Python, NumPy, dot, the in-process renderer, a real drawing, matplotlib, "
            "IPython, PyTorch); each FIX line ends with the command that mends it. "
            "Exit status 1 when a required part needs a fix."
        ),
    )
    doctor.set_defaults(run=_run_doctor, subparser=doctor)
    return parser


def _run_doctor(args: argparse.Namespace) -> int:
    from .doctor import main as doctor_main

    return doctor_main()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m viz`` and the ``deltagrad`` script.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        Exit status: 0 on success, 2 for a usage error (bad expression, bad
        ``NAME=VALUE``, unknown option), 1 when writing the output fails.
    """
    # Name the program the way it was started, as argparse does for plain scripts.
    started_as_module = argv is None and Path(sys.argv[0]).name == "__main__.py"
    parser = build_parser("python -m viz" if started_as_module else "deltagrad")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse reports and exits; return its status instead
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return args.run(args)
    except _UsageError as err:
        # argparse's own format ("usage: ...\nprog expr: error: ...") without a traceback
        args.subparser.print_usage(sys.stderr)
        _print(f"{args.subparser.prog}: error: {err}", sys.stderr)
        return 2


# ---------------------------------------------------------------------------- expr
def _run_expr(args: argparse.Namespace) -> int:
    from .expression import ExprError, build_expression

    values = _parse_assignments(args.assignments)
    spec = args.number_format
    try:
        if any(int(digits) > _MAX_FORMAT_FIELD for digits in re.findall(r"\d+", spec)):
            raise ValueError
        format(1.0, spec)
    except ValueError:
        raise _UsageError(
            f"--format {spec!r} is not a valid number format (widths and precisions up to "
            f"{_MAX_FORMAT_FIELD}), e.g. .4g"
        ) from None
    output = Path(args.output)
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise _UsageError(
            f"cannot tell the format of {str(output)!r}; "
            f"end the -o file name with one of {' '.join(OUTPUT_SUFFIXES)}"
        )
    try:
        root, leaves = build_expression(args.expression, values)
    except ExprError as err:
        raise _UsageError(str(err)) from None
    unused = [name for name in values if name not in leaves]
    if unused:
        _print(f"note: {', '.join(unused)} not used in the expression", sys.stderr)

    if not args.no_grad:
        root.backward()
    _print(f"{args.expression} = {root.data:{spec}}")
    if leaves:
        _print(_leaf_table(leaves, spec, with_grad=not args.no_grad))

    from ..render import GraphTooLargeError, LayoutTimeoutError

    try:
        from ..graph import draw_graph
        from ..render import save

        drawing = draw_graph(
            root,
            rankdir=args.rankdir,
            show_grad=not args.no_grad,
            show_local_grads=not args.no_local_grads,
            number_format=spec,
            language=args.language,
            # Graphviz source needs no layout, so it is written at any size
            max_nodes=None if output.suffix.lower() in (".dot", ".gv") else "auto",
        )
        written = save(drawing, output)
    except (GraphTooLargeError, LayoutTimeoutError) as err:
        # viz checks the size before layout and stops a layout that runs too long: on the
        # command line that is a usage problem (exit 2), with the advice that fits here
        raise _UsageError(
            f"{err} -- on the command line: shorten the expression, or write the Graphviz "
            "source with -o NAME.dot and lay it out yourself"
        ) from None
    except (ImportError, OSError, RuntimeError, ValueError) as err:
        # graphviz missing, unwritable path, renderer failure: say so, no traceback
        _print(f"{args.subparser.prog}: error: could not write {output}: {err}", sys.stderr)
        return 1
    _print(f"wrote {written}")
    return 0


def _print(text: str, stream: TextIO | None = None) -> None:
    """``print`` that cannot fail on characters the stream's encoding lacks.

    A path from undecodable command-line bytes, or ``𝐚`` on an ASCII-only terminal,
    is shown with backslash escapes instead of raising UnicodeEncodeError.
    """
    stream = sys.stdout if stream is None else stream
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    print(text, file=stream)


def _parse_assignments(pairs: Sequence[str]) -> dict[str, float]:
    """``["a=2", "b=-3"]`` -> ``{"a": 2.0, "b": -3.0}``, with usage errors for bad pairs.

    Names are NFKC-normalised, as Python does for identifiers, so ``𝐚=3`` gives the
    value of the ``a`` that the parser reads in ``𝐚*b`` (and clashes with ``a=1``).
    """
    from .expression_check import undecodable

    values: dict[str, float] = {}
    spelled: dict[str, str] = {}  # normalised name -> as typed, for messages
    for pair in pairs:
        problem = undecodable(pair)
        if problem is not None:
            raise _UsageError(f"NAME=VALUE {pair!r} is not valid text: {problem}")
        typed, sep, text = pair.partition("=")
        typed = typed.strip()
        name = unicodedata.normalize("NFKC", typed)
        if not sep or not typed.isidentifier() or not name.isidentifier():
            raise _UsageError(f"expected NAME=VALUE (e.g. a=2), got {pair!r}")
        if name in values:
            same = (
                ""
                if typed == spelled[name]
                else (
                    f" ({spelled[name]!r} and {typed!r} are the same name: Python reads "
                    "identifiers after NFKC normalisation)"
                )
            )
            raise _UsageError(f"{name!r} is given more than once{same}")
        spelled[name] = typed
        try:
            number = float(text)
        except ValueError:
            raise _UsageError(f"{pair!r}: {text.strip()!r} is not a number") from None
        if not math.isfinite(number):
            raise _UsageError(f"{pair!r}: the value must be a finite number")
        values[name] = number
    return values


def _leaf_table(leaves: dict, spec: str, *, with_grad: bool) -> str:
    """A small aligned table: one row per variable with its value (and gradient)."""
    header = ["name", "value"] + (["grad"] if with_grad else [])
    rows = [
        [name, f"{leaf.data:{spec}}"] + ([f"{leaf.grad:{spec}}"] if with_grad else [])
        for name, leaf in leaves.items()
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------- demo
def _run_demo(args: argparse.Namespace) -> int:
    from .demo import DEFAULT_SEED, run_demo

    seed = DEFAULT_SEED if args.seed is None else args.seed
    run_demo(out_dir=args.out, steps=args.steps, seed=seed, verbose=True)
    return 0


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number
