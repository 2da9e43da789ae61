"""The backward pass replayed one chain-rule step per frame (``backward_animation``)."""

from .backward import DEFAULT_MAX_FRAMES, BackwardAnimation, Frame, Step, backward_animation

__all__ = ["backward_animation", "BackwardAnimation", "Frame", "Step", "DEFAULT_MAX_FRAMES"]
