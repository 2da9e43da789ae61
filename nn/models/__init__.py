"""``nn.models``: complete models built from the layers.

``char_rnn`` (``CharRNN``, ``generate``), ``seq2seq`` (``Encoder``, ``Decoder``,
``Seq2Seq``) and ``ensemble`` (``Bagging``).
"""

from .char_rnn import CharRNN, generate, recurrent_layer
from .ensemble import Bagging
from .seq2seq import Decoder, Encoder, Seq2Seq, make_reversal_task, sequence_accuracy

__all__ = [
    "CharRNN",
    "generate",
    "recurrent_layer",
    "Encoder",
    "Decoder",
    "Seq2Seq",
    "make_reversal_task",
    "sequence_accuracy",
    "Bagging",
]
