# ``deltagrad.utils.data`` is ``nn.data`` (see deltagrad/nn/__init__.pyi).
from nn.data import *  # noqa: F403
