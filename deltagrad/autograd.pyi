# ``deltagrad.autograd`` is the ``autograd`` package (see deltagrad/nn/__init__.pyi).
from autograd import *  # noqa: F403
