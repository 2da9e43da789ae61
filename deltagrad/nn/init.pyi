# ``deltagrad.nn.init`` is ``nn.init`` (see deltagrad/nn/__init__.pyi).
from nn.init import *  # noqa: F403
