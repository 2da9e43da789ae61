# Type checkers' view of ``deltagrad.nn``: at run time it is the ``nn`` package itself
# (deltagrad/__init__.py maps the name); these stubs let editors follow the mapping.
from nn import *  # noqa: F403
from nn import functional as functional
from nn import init as init
from nn import optim as optim
