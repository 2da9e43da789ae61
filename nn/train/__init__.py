"""Training utilities: ``fit`` (the epoch loop), ``evaluate``, ``predict``, ``History``,
callbacks (``EarlyStopping``) and metrics (``accuracy``).

Example::

    history = fit(model, F.cross_entropy, Adam(model.parameters(), lr=1e-3),
                  train_loader, val_loader, epochs=50, metrics={"acc": accuracy},
                  callbacks=[EarlyStopping(patience=5)])
    history.best_epoch, history.metrics["val_acc"][-1]
"""

from .callbacks import Callback, EarlyStopping
from .history import History
from .loop import evaluate, fit, predict
from .metrics import accuracy
from .truncated_bptt import evaluate_truncated, fit_truncated_bptt

__all__ = [
    "fit",
    "evaluate",
    "predict",
    "History",
    "Callback",
    "EarlyStopping",
    "accuracy",
    "fit_truncated_bptt",
    "evaluate_truncated",
]
