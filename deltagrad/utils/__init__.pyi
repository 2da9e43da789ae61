# ``deltagrad.utils.data`` is ``nn.data`` (see deltagrad/nn/__init__.pyi).
from . import data as data
