"""Real learning with the whole stack: data -> nn.MLP -> Adam -> fit.

Each test trains a network end to end on a fixed seed and checks an accuracy a correct
engine reaches comfortably (the numbers are for 2 CPU cores):

* digits (8x8, 1797 images): MLP([64, 256, 10]) on standardised pixels, Adam 1e-3,
  batch 32, 30 epochs -> about 98% test accuracy (97.6-98.9% across seeds), ~1-2 s.
* 3-class spiral: MLP([2, 64, 64, 3]), Adam 1e-2, batch 32, 200 epochs -> 99.3%
  training accuracy, ~1 s. 99.3% = 298/300 is the ceiling: the first point of every
  arm is the origin, so three identical inputs carry three different labels.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import nn
from nn import functional as F
from nn.data import DataLoader, Standardizer, TensorDataset, train_test_split
from nn.datasets import load_digits, make_spiral
from nn.optim import Adam
from nn.train import EarlyStopping, accuracy, evaluate, fit

pytestmark = pytest.mark.slow


pytestmark = pytest.mark.usefixtures("one_blas_thread")


def test_mlp_reaches_97_percent_test_accuracy_on_digits():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = Standardizer().fit(X_train)  # statistics of the training set only
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    train = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True, generator=0)
    test = DataLoader(TensorDataset(X_test, y_test), batch_size=512)

    model = nn.MLP([64, 256, 10], rng=0)
    start = time.perf_counter()
    history = fit(
        model,
        F.cross_entropy,
        Adam(model.parameters(), lr=1e-3),
        train,
        test,
        epochs=30,
        metrics={"acc": accuracy},
        progress=False,
    )
    seconds = time.perf_counter() - start

    test_acc = evaluate(model, F.cross_entropy, test, {"acc": accuracy})["acc"]
    print(f"digits: test accuracy {test_acc:.4f} after 30 epochs in {seconds:.1f} s")
    assert len(X_test) == 450
    assert test_acc >= 0.97
    assert history.metrics["val_acc"][-1] == pytest.approx(test_acc)
    assert history.metrics["train_acc"][-1] > 0.995
    assert history.train_loss[-1] < 0.05 < history.train_loss[0]
    assert seconds < 60


def test_mlp_fits_the_spiral_to_99_percent_training_accuracy():
    X, y = make_spiral(n_per_class=100, n_classes=3, noise=0.2, random_state=0)
    train = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, generator=0)
    model = nn.MLP([2, 64, 64, 3], rng=0)
    start = time.perf_counter()
    fit(
        model, F.cross_entropy, Adam(model.parameters(), lr=1e-2), train, epochs=200, progress=False
    )
    seconds = time.perf_counter() - start

    everything = DataLoader(TensorDataset(X, y), batch_size=len(X))
    train_acc = evaluate(model, None, everything, {"acc": accuracy})["acc"]
    print(f"spiral: training accuracy {train_acc:.4f} after 200 epochs in {seconds:.1f} s")
    assert train_acc >= 0.99
    # the 99.3% ceiling: the three arms start at the same point (the origin)
    assert np.unique(np.asarray(X).round(12), axis=0).shape[0] == len(X) - 2
    assert seconds < 60


def test_early_stopping_on_digits_keeps_the_best_validation_weights():
    X, y = load_digits()
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=1
    )
    scaler = Standardizer().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    # a small training set and a large network over-fit quickly
    small = slice(0, 150)
    train = DataLoader(
        TensorDataset(X_train[small], y_train[small]), batch_size=16, shuffle=True, generator=1
    )
    val = DataLoader(TensorDataset(X_val, y_val), batch_size=512)
    model = nn.MLP([64, 256, 10], rng=1)
    es = EarlyStopping(patience=5)
    history = fit(
        model,
        F.cross_entropy,
        Adam(model.parameters(), lr=3e-3),
        train,
        val,
        epochs=200,
        callbacks=[es],
        progress=False,
    )
    assert history.stopped_epoch is not None and len(history) < 200
    assert history.best_epoch == es.best_epoch == int(np.argmin(history.val_loss))
    assert 0 < history.best_epoch < len(history) - 1
    restored = evaluate(model, F.cross_entropy, val)["loss"]
    assert restored == pytest.approx(min(history.val_loss), rel=1e-5)
    assert restored < history.val_loss[-1]
