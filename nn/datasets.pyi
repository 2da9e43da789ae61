# Type checkers' view of ``nn.datasets``: at run time it is ``nn.data.datasets`` itself,
# found by nn/_moved.py (a kept alias); this stub lets editors see the same names.
from nn.data.datasets import *  # noqa: F403
