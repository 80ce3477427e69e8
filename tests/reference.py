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
    if loss == "fann_tanh":  # FANN_ERRORFUNC_TANH: gradient 2·atanh(e), e = y − t (halved for tanh outputs)
        h = 0.5 if out_act == "tanh" else 1.0
        e = h * (y - t)
        return float(((2 * e * np.arctanh(e) + np.log(1 - e * e)) / h).sum(axis=1).mean())
    if loss == "mse":
        return float(0.5 * ((y - t) ** 2).sum(axis=1).mean())
    if out_act == "softmax":
        return float(-(t * np.log(y)).sum(axis=1).mean())
    return float(-(t * np.log(y) + (1 - t) * np.log(1 - y)).sum(axis=1).mean())


def loss_grad_y(loss: str, out_act: str, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """dL/dy of the batch-mean loss."""
    B = y.shape[0]
    if loss == "fann_tanh":
        h = 0.5 if out_act == "tanh" else 1.0
        return 2 * np.arctanh(h * (y - t)) / B
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


# ---------------------------------------------------------------- optimizers other than SGD (numpy, vectorized)
# Gradients g are dE/dw; for the full-batch rules, summed over the training set (FANN's train slopes are -g).

def adam_step(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """PyTorch's Adam (L2 added to the gradient); returns new (w, m, v)."""
    g = g + weight_decay * w
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    mhat = m / (1 - beta1 ** t)
    vhat = v / (1 - beta2 ** t)
    return w - lr * mhat / (np.sqrt(vhat) + eps), m, v


def irprop_minus_step(w, g, prev_g, step, inc=1.2, dec=0.5, dmin=0.0, dmax=50.0):
    """iRPROP- (Igel & Huesken 2000, FANN's bounds); returns new (w, prev_g, step)."""
    prev = np.maximum(step, 1e-4)
    flip = prev_g * g < 0
    new_step = np.where(flip, np.maximum(prev * dec, dmin), np.minimum(prev * inc, dmax))
    g_eff = np.where(flip, 0.0, g)
    w = np.clip(w - np.sign(g_eff) * new_step, -1500, 1500)
    return w, g_eff, new_step


def quickprop_step(w, g, prev_slope, prev_step, num_data, lr=0.7, decay=-0.0001, mu=1.75):
    """Fahlman's Quickprop as FANN 2.2 writes it (slopes are -gradients plus decay*w); returns (w, slope, step)."""
    eps = lr / num_data
    shrink = mu / (1 + mu)
    slope = -g + decay * w
    nxt = np.zeros_like(w)
    pos, neg = prev_step > 0.001, prev_step < -0.001
    zero = ~pos & ~neg
    with np.errstate(divide="ignore", invalid="ignore"):
        quad = prev_step * slope / (prev_slope - slope)
    nxt += np.where(pos & (slope > 0), eps * slope, 0.0)
    nxt += np.where(pos, np.where(slope > shrink * prev_slope, mu * prev_step, quad), 0.0)
    nxt += np.where(neg & (slope < 0), eps * slope, 0.0)
    nxt += np.where(neg, np.where(slope < shrink * prev_slope, mu * prev_step, quad), 0.0)
    nxt += np.where(zero, eps * slope, 0.0)
    return np.clip(w + nxt, -1500, 1500), slope, nxt


def sarprop_step(w, g, prev_g, step, epoch, inc=1.2, dec=0.5, dmax=50.0, wd_shift=-6.644, temperature=0.015):
    """SARPROP without its noise branch (valid when the epoch's MSE is 0, so no step is below the threshold);
    the annealed decay term with FANN's sign. Returns (w, prev_g, step)."""
    prev = np.maximum(step, 1e-6)
    ge = np.where(g == 0, 0.0, g - w * 2.0 ** (-temperature * epoch + wd_shift))
    same = prev_g * ge
    grow = np.minimum(prev * inc, dmax)
    shrink = np.maximum(prev * dec, 1e-6)
    new_step = np.where(same > 0, grow, np.where(same < 0, shrink, prev))
    move = np.where(same > 0, grow, np.where(same < 0, 0.0, prev))
    w = np.clip(w - np.sign(ge) * move, -1500, 1500)
    return w, np.where(same < 0, 0.0, ge), new_step
