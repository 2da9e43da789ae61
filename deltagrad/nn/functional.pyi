# ``deltagrad.nn.functional`` is ``nn.functional`` (see deltagrad/nn/__init__.pyi).
from nn.functional import *  # noqa: F403
