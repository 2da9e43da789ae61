"""nn.train: fit/History, callbacks and EarlyStopping, evaluate, accuracy, predict."""

from __future__ import annotations

import builtins
import importlib.util
import subprocess
import sys
import types

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import functional as F
from nn.data import DataLoader, TensorDataset
from nn.datasets import make_moons
from nn.optim import SGD, Adam
from nn.optim.lr_scheduler import StepLR
from nn.train import Callback, EarlyStopping, History, accuracy, evaluate, fit, predict


def _moons_loaders(n: int = 120, seed: int = 0):
    X, y = make_moons(n, noise=0.1, random_state=seed)
    train = DataLoader(
        TensorDataset(X[: n // 2], y[: n // 2]), batch_size=16, shuffle=True, generator=seed
    )
    val = DataLoader(TensorDataset(X[n // 2 :], y[n // 2 :]), batch_size=32)
    return train, val


def _params(model):
    return [p.data.copy() for p in model.parameters()]


# ---------------------------------------------------------------- fit and History
def test_fit_returns_history_with_one_entry_per_epoch():
    train, val = _moons_loaders()
    model = nn.MLP([2, 16, 2], rng=0)
    h = fit(
        model,
        F.cross_entropy,
        Adam(model.parameters(), lr=1e-2),
        train,
        val,
        epochs=4,
        metrics={"acc": accuracy},
        progress=False,
    )
    assert isinstance(h, History)
    assert h.epoch == [0, 1, 2, 3] and len(h) == 4
    assert len(h.train_loss) == len(h.val_loss) == len(h.lr) == 4
    assert set(h.metrics) == {"train_acc", "val_acc"}
    assert all(len(v) == 4 for v in h.metrics.values())
    assert all(0.0 <= a <= 1.0 for a in h.metrics["val_acc"])
    assert h.lr == [1e-2] * 4
    assert h.stopped_epoch is None and h.stop_reason is None and not h.interrupted
    assert h.best_epoch == int(np.argmin(h.val_loss))
    assert h.train_loss[-1] < h.train_loss[0]  # it learns
    d = h.as_dict()
    assert d["epoch"] == h.epoch and d["val_acc"] == h.metrics["val_acc"]
    assert h["val_loss"] == h.val_loss
    with pytest.raises(KeyError, match="val_acc"):
        h["nope"]
    assert "epochs=4" in repr(h)


def test_fit_without_validation_or_metrics():
    train, _ = _moons_loaders()
    model = nn.MLP([2, 8, 2], rng=1)
    h = fit(
        model, F.cross_entropy, SGD(model.parameters(), lr=0.1), train, epochs=2, progress=False
    )
    assert h.val_loss == [] and h.metrics == {}
    assert "val_loss" not in h.as_dict()
    assert h.best_epoch == int(np.argmin(h.train_loss))
    assert (
        fit(
            model, F.cross_entropy, SGD(model.parameters(), lr=0.1), train, epochs=0, progress=False
        ).epoch
        == []
    )


def test_train_loss_is_the_batch_size_weighted_mean():
    # lr = 0: the weights never move, so the epoch's training loss must equal the loss
    # over the whole training set, even with an uneven last batch (10 = 4 + 4 + 2)
    X, y = make_moons(10, noise=0.2, random_state=3)
    model = nn.MLP([2, 5, 2], rng=3)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    h = fit(
        model,
        F.cross_entropy,
        SGD(model.parameters(), lr=0.0),
        loader,
        epochs=1,
        metrics={"acc": accuracy},
        progress=False,
    )
    full = F.cross_entropy(model(Tensor(X.astype(np.float32))), y).item()
    assert h.train_loss[0] == pytest.approx(full, rel=1e-6)
    acc = accuracy(model(Tensor(X.astype(np.float32))), y)
    assert h.metrics["train_acc"][0] == pytest.approx(acc)


def test_val_metrics_match_evaluate_after_training():
    train, val = _moons_loaders()
    model = nn.MLP([2, 16, 2], rng=2)
    h = fit(
        model,
        F.cross_entropy,
        Adam(model.parameters(), lr=1e-2),
        train,
        val,
        epochs=3,
        metrics={"acc": accuracy},
        progress=False,
        train_metrics=False,
    )
    assert set(h.metrics) == {"val_acc"}
    res = evaluate(model, F.cross_entropy, val, {"acc": accuracy})
    assert res["loss"] == pytest.approx(h.val_loss[-1])
    assert res["acc"] == pytest.approx(h.metrics["val_acc"][-1])


def test_fit_puts_model_in_train_mode_and_validates_in_eval_mode():
    modes = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2, rng=0)

        def forward(self, x):
            modes.append(self.training)
            return self.lin(x)

    train, val = _moons_loaders(40)
    spy = Spy()
    fit(spy, F.cross_entropy, SGD(spy.parameters(), lr=0.0), train, val, epochs=1, progress=False)
    n_train, n_val = len(train), len(val)
    assert modes == [True] * n_train + [False] * n_val


def test_scheduler_is_stepped_once_per_epoch():
    train, _ = _moons_loaders()
    model = nn.MLP([2, 4, 2], rng=0)
    opt = SGD(model.parameters(), lr=0.8)
    h = fit(
        model,
        F.cross_entropy,
        opt,
        train,
        epochs=3,
        scheduler=StepLR(opt, 1, gamma=0.5),
        progress=False,
    )
    assert h.lr == pytest.approx([0.8, 0.4, 0.2])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_clip_grad_norm_caps_every_step():
    X = np.array([[100.0, -100.0]])
    y = np.array([[1000.0]])
    model = nn.Linear(2, 1, rng=0)
    before = _params(model)
    fit(
        model,
        F.mse_loss,
        SGD(model.parameters(), lr=1.0),
        DataLoader(TensorDataset(X, y)),
        epochs=1,
        clip_grad_norm=0.5,
        progress=False,
    )
    step = np.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(_params(model), before)))
    assert step == pytest.approx(0.5, rel=1e-4)  # lr * clipped gradient norm


def test_callbacks_see_every_epoch_and_can_stop():
    train, val = _moons_loaders()
    model = nn.MLP([2, 8, 2], rng=0)
    seen = []

    def record(epoch, logs, model):
        seen.append((epoch, sorted(logs)))

    class StopAt2(Callback):
        def __init__(self):
            self.begun = self.ended = False

        def on_train_begin(self, model):
            self.begun = True

        def on_epoch_end(self, epoch, logs, model):
            return epoch == 2

        def on_train_end(self, model, history):
            self.ended = history

    stopper = StopAt2()
    h = fit(
        model,
        F.cross_entropy,
        SGD(model.parameters(), lr=0.1),
        train,
        val,
        epochs=10,
        callbacks=[stopper, record],
        metrics={"acc": accuracy},
        progress=False,
    )
    assert h.epoch == [0, 1, 2] and h.stopped_epoch == 2
    assert "StopAt2" in h.stop_reason
    assert stopper.begun and stopper.ended is h
    assert [e for e, _ in seen] == [0, 1, 2]  # the other callback still saw epoch 2
    assert seen[0][1] == ["lr", "train_acc", "train_loss", "val_acc", "val_loss"]
    with pytest.raises(TypeError):
        fit(model, F.cross_entropy, SGD(model.parameters(), lr=0.1), train, callbacks=[3])


def test_non_finite_loss_warns_and_stops():
    train, _ = _moons_loaders()
    model = nn.MLP([2, 4, 2], rng=0)

    def nan_loss(out, t):
        return F.cross_entropy(out, t) * float("nan")

    with pytest.warns(RuntimeWarning, match="learning rate"):
        h = fit(model, nan_loss, SGD(model.parameters(), lr=0.1), train, epochs=5, progress=False)
    assert h.epoch == [0] and h.stopped_epoch == 0 and "non-finite" in h.stop_reason


def test_keyboard_interrupt_returns_history_and_runs_train_end():
    train, val = _moons_loaders()
    model = nn.MLP([2, 8, 2], rng=0)
    es = EarlyStopping(patience=100)

    def interrupt(epoch, logs, model):
        if epoch == 1:
            raise KeyboardInterrupt

    h = fit(
        model,
        F.cross_entropy,
        Adam(model.parameters(), lr=1e-2),
        train,
        val,
        epochs=10,
        callbacks=[es, interrupt],
        progress=False,
    )
    assert h.interrupted and h.stopped_epoch == 1 and h.epoch == [0, 1]
    assert h.best_epoch == es.best_epoch
    for p, best in zip(model.parameters(), es.best_state.values()):
        np.testing.assert_array_equal(p.data, best)


def test_bad_loaders_raise():
    model = nn.Linear(2, 2, rng=0)
    opt = SGD(model.parameters(), lr=0.1)
    empty = DataLoader(
        TensorDataset(np.zeros((3, 2)), np.zeros(3, dtype=np.int64)), batch_size=4, drop_last=True
    )
    with pytest.raises(ValueError, match="no batches"):
        fit(model, F.cross_entropy, opt, empty, epochs=1, progress=False)
    with pytest.raises(ValueError, match="inputs..., target"):
        fit(model, F.cross_entropy, opt, [(Tensor(np.zeros((1, 2))),)], epochs=1, progress=False)
    with pytest.raises(ValueError):
        fit(model, F.cross_entropy, opt, empty, epochs=-1)


def test_progress_bar_with_and_without_tqdm(monkeypatch, capsys):
    train, _ = _moons_loaders(40)
    model = nn.MLP([2, 4, 2], rng=0)
    if importlib.util.find_spec("tqdm") is not None:  # the `progress` extra
        fit(model, F.cross_entropy, SGD(model.parameters(), lr=0.1), train, epochs=2, progress=True)
        assert "2/2" in capsys.readouterr().err

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == "tqdm" or name.startswith("tqdm."):
            raise ImportError("No module named 'tqdm'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    with pytest.warns(UserWarning, match=r"progress=True.*tqdm is not installed.*\[progress\]"):
        h = fit(
            model, F.cross_entropy, SGD(model.parameters(), lr=0.1), train, epochs=2, progress=True
        )
    assert len(h) == 2
    assert capsys.readouterr().err == ""


def test_history_plot_left_nn_and_names_viz_plot_history(monkeypatch):
    # nn draws nothing (it never imports viz): the old History.plot() says where it went,
    # and does not reach for viz even when viz is importable
    calls = []
    fake_viz = types.ModuleType("viz")
    fake_plots = types.ModuleType("viz.plots")
    fake_plots.plot_history = lambda history, **kw: calls.append((history, kw)) or "axes"
    fake_viz.plots = fake_plots
    monkeypatch.setitem(sys.modules, "viz", fake_viz)
    monkeypatch.setitem(sys.modules, "viz.plots", fake_plots)
    with pytest.raises(AttributeError, match=r"viz\.plot_history\(history\)"):
        History().plot(title="x")
    assert calls == []


def test_nn_does_not_import_viz():
    code = (
        "import sys, nn, nn.data, nn.datasets, nn.train, nn.models\n"
        "assert 'viz' not in sys.modules, 'nn imported viz'\n"
        "assert 'tqdm' not in sys.modules and 'sklearn' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- EarlyStopping
class _Weights(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(np.zeros(3, dtype=np.float32))


def test_early_stopping_rule_with_scripted_values():
    model = _Weights()
    es = EarlyStopping(patience=3)
    es.on_train_begin(model)
    losses = [1.0, 0.8, 0.5, 0.6, 0.55, 0.7, 0.4]
    stops = []
    for epoch, loss in enumerate(losses):
        model.w.data[:] = epoch  # the weights "after" this epoch
        stops.append(es.on_epoch_end(epoch, {"val_loss": loss}, model))
        if stops[-1]:
            break
    # 0.5 at epoch 2 is best; epochs 3, 4, 5 fail to improve -> stop after epoch 5
    assert stops == [False, False, False, False, False, True]
    assert es.best == 0.5 and es.best_epoch == 2 and es.stopped_epoch == 5
    assert "did not improve for 3" in es.stop_reason
    np.testing.assert_array_equal(model.w.data, 5.0)
    es.on_train_end(model, None)
    np.testing.assert_array_equal(model.w.data, 2.0)  # best weights are back
    es.on_train_begin(model)  # reusable: state reset
    assert es.best_epoch is None and es.wait == 0 and es.best_state is None


def test_early_stopping_min_delta_max_mode_and_nan():
    model = _Weights()
    es = EarlyStopping(monitor="val_acc", mode="max", patience=2, min_delta=0.01)
    es.on_train_begin(model)
    assert not es.on_epoch_end(0, {"val_acc": 0.90}, model)
    assert not es.on_epoch_end(1, {"val_acc": 0.905}, model)  # +0.005 < min_delta
    assert es.on_epoch_end(2, {"val_acc": float("nan")}, model)
    assert es.best_epoch == 0

    es = EarlyStopping(patience=1, restore_best=False)
    es.on_train_begin(model)
    es.on_epoch_end(0, {"val_loss": 1.0}, model)
    assert es.best_state is None
    with pytest.raises(ValueError, match="val_loss"):
        es.on_epoch_end(1, {"train_loss": 1.0}, model)
    with pytest.raises(ValueError):
        EarlyStopping(mode="maximum")
    with pytest.raises(ValueError):
        EarlyStopping(patience=0)


def test_early_stopping_in_fit_stops_and_restores_best_weights():
    # Train y = x from w = 0 while validating against y = x / 2: w rises steadily past
    # 0.5, so the validation loss first falls, bottoms out, then rises -- over-fitting
    # to the "wrong" training data in miniature.
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(64, 1))
    train = DataLoader(TensorDataset(x, x), batch_size=64)
    val = DataLoader(TensorDataset(x, 0.5 * x), batch_size=64)
    model = nn.Linear(1, 1, bias=False, rng=0)
    model.weight.data[:] = 0.0

    snapshots = []

    def snapshot(epoch, logs, model):
        snapshots.append(model.state_dict())

    es = EarlyStopping(patience=3)
    h = fit(
        model,
        F.mse_loss,
        SGD(model.parameters(), lr=0.3),
        train,
        val,
        epochs=100,
        callbacks=[snapshot, es],
        progress=False,
    )
    best = int(np.argmin(h.val_loss))
    assert 0 < best < len(h.val_loss) - 1  # a real minimum inside the run
    assert es.best_epoch == h.best_epoch == best
    assert h.stopped_epoch == best + 3 == h.epoch[-1]  # patience non-improving epochs
    assert all(v > h.val_loss[best] for v in h.val_loss[best + 1 :])
    # the final weights are exactly the best epoch's, not the last epoch's
    np.testing.assert_array_equal(model.weight.data, snapshots[best]["weight"])
    assert not np.array_equal(model.weight.data, snapshots[-1]["weight"])
    assert abs(model.weight.data.item() - 0.5) < abs(snapshots[-1]["weight"].item() - 0.5)


# ---------------------------------------------------------------- evaluate / accuracy / predict
def _fixed_linear() -> nn.Linear:
    model = nn.Linear(2, 3, rng=0)
    model.weight.data[:] = [[1, 0], [0, 1], [-1, -1]]
    model.bias.data[:] = [0.0, 0.1, 0.0]
    return model


def test_evaluate_values_match_numpy():
    X = np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, -1.0], [1.0, 1.0], [0.5, 0.0]])
    y = np.array([0, 1, 2, 0, 2])
    model = _fixed_linear()
    loader = DataLoader(TensorDataset(X, y), batch_size=2)  # uneven batches 2, 2, 1
    res = evaluate(model, F.cross_entropy, loader, {"acc": accuracy})
    logits = X @ model.weight.data.T.astype(np.float64) + model.bias.data
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert res["loss"] == pytest.approx(-logp[np.arange(5), y].mean(), rel=1e-5)
    # predictions: 0, 1, 2, 1 (wrong), 0 (wrong)
    assert res["acc"] == pytest.approx(3 / 5)
    assert set(evaluate(model, None, loader, {"acc": accuracy})) == {"acc"}
    assert model.training  # mode restored
    model.eval()
    evaluate(model, F.cross_entropy, loader)
    assert not model.training


def test_evaluate_records_no_graph():
    model = _fixed_linear()
    outputs = []

    def loss(out, t):
        outputs.append(out)
        return F.cross_entropy(out, t)

    evaluate(model, loss, DataLoader(TensorDataset(np.ones((4, 2)), np.zeros(4, dtype=int))))
    assert all(o.grad_fn is None for o in outputs)


def test_accuracy_variants():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    assert accuracy(logits, y) == 0.75
    assert accuracy(Tensor(logits), y) == 0.75
    assert accuracy(logits, np.eye(3)[y]) == 0.75  # one-hot targets
    # (N, C, T) sequence outputs: class axis 1
    seq = np.stack([logits, logits[::-1]], axis=2)
    assert accuracy(seq, np.stack([y, y[::-1]], axis=1)) == 0.75
    # binary: one logit per sample, threshold 0
    z = np.array([2.0, -1.0, 0.5, -3.0])
    assert accuracy(z, np.array([1, 0, 0, 0])) == 0.75
    assert accuracy(z[:, None], np.array([[1.0], [0.0], [1.0], [1.0]])) == 0.75
    p = 1 / (1 + np.exp(-z))
    assert accuracy(p, np.array([1, 0, 1, 0]), threshold=0.5) == 1.0
    with pytest.raises(ValueError, match="shape"):
        accuracy(logits, np.array([0, 1]))
    with pytest.raises(ValueError):
        accuracy(np.zeros((0, 3)), np.zeros(0))


def test_predict_batches_eval_mode_and_restores_mode():
    model = nn.MLP([2, 32, 3], dropout=0.5, rng=0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    out = predict(model, X, batch_size=3)
    assert out.shape == (10, 3) and isinstance(out, np.ndarray)
    # no dropout masks in predict: same numbers whatever the batching (up to BLAS rounding)
    np.testing.assert_allclose(out, predict(model, Tensor(X), batch_size=100), rtol=1e-6)
    assert model.training
    model.eval()
    expected = model(Tensor(X.astype(np.float32))).data
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert not model.training
    with pytest.raises(ValueError):
        predict(model, X, batch_size=0)
