# ``deltagrad.optim`` is ``nn.optim`` (see deltagrad/nn/__init__.pyi).
from nn.optim import *  # noqa: F403
from nn.optim import lr_scheduler as lr_scheduler
