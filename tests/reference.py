"""An independent numpy float64 oracle for fastnet's dense networks: forward, losses, backward, SGD step.

Written from the textbook definitions, not from fastnet's code, so the tests compare two implementations.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np


def act_forward(name: str, z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    if name == "linear":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(name)


def act_jvp(name: str, z: np.ndarray, g: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """dL/dz given dL/dy = g, from the pre-activation z."""
    if name == "linear":
        return g
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return g * s * (1 - s)
    if name == "tanh":
        return g * (1 - np.tanh(z) ** 2)
    if name == "relu":
        return g * (z > 0)
    if name == "leaky_relu":
        return g * np.where(z > 0, 1.0, alpha)
    if name == "softmax":
        y = act_forward("softmax", z)
        return y * (g - (g * y).sum(axis=1, keepdims=True))
    raise ValueError(name)


def loss_value(loss: str, out_act: str, y: np.ndarray, t: np.ndarray) -> float:
    if loss == "mse":
        return float(0.5 * ((y - t) ** 2).sum(axis=1).mean())
    if out_act == "softmax":
        return float(-(t * np.log(y)).sum(axis=1).mean())
    return float(-(t * np.log(y) + (1 - t) * np.log(1 - y)).sum(axis=1).mean())


def loss_grad_y(loss: str, out_act: str, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """dL/dy of the batch-mean loss."""
    B = y.shape[0]
    if loss == "mse":
        return (y - t) / B
    if out_act == "softmax":
        return -(t / y) / B
    return (-(t / y) + (1 - t) / (1 - y)) / B


def forward(params: List[Tuple[np.ndarray, np.ndarray]], acts: List[str], X: np.ndarray):
    zs, ys = [], [X]
    for (W, b), a in zip(params, acts):
        z = ys[-1] @ W.T + b
        zs.append(z)
        ys.append(act_forward(a, z))
    return zs, ys


def gradients(params, acts, loss: str, X: np.ndarray,
              T: np.ndarray) -> Tuple[float, List[Dict[str, np.ndarray]], np.ndarray]:
    zs, ys = forward(params, acts, X)
    L = loss_value(loss, acts[-1], ys[-1], T)
    g = loss_grad_y(loss, acts[-1], ys[-1], T)
    grads: List[Dict[str, np.ndarray]] = [dict() for _ in params]
    for l in range(len(params) - 1, -1, -1):
        dz = act_jvp(acts[l], zs[l], g)
        grads[l]["weights"] = dz.T @ ys[l]
        grads[l]["bias"] = dz.sum(axis=0)
        g = dz @ params[l][0]
    return L, grads, g


def sgd_step(params, velocity, grads, lr: float, momentum: float, weight_decay: float = 0.0, nesterov: bool = False):
    """PyTorch's SGD: g += wd*w (weights only); v = mu*v + g; w -= lr*v (or lr*(g + mu*v) with Nesterov)."""
    new_p, new_v = [], []
    for (W, b), (vW, vb), gr in zip(params, velocity, grads):
        out = []
        for w, v, g, wd in ((W, vW, gr["weights"], weight_decay), (b, vb, gr["bias"], 0.0)):
            g = g + wd * w
            v = momentum * v + g
            w = w - lr * (g + momentum * v if nesterov else v)
            out.append((w, v))
        new_p.append((out[0][0], out[1][0]))
        new_v.append((out[0][1], out[1][1]))
    return new_p, new_v


def one_hot(labels: np.ndarray, n: int) -> np.ndarray:
    T = np.zeros((len(labels), n))
    T[np.arange(len(labels)), labels] = 1.0
    return T
