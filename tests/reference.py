"""An independent numpy float64 oracle for fastnet's dense networks: forward, losses, backward, SGD step.

Written from the textbook definitions, not from fastnet's code, so the tests compare two implementations.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

# FANN 2.2's activation functions at steepness 1, from fann_activation.h's definitions, and their derivatives
FANN_FUNCS = {
    "threshold": (lambda z: np.where(z < 0, 0.0, 1.0), lambda z: np.zeros_like(z)),
    "threshold_symmetric": (lambda z: np.where(z < 0, -1.0, 1.0), lambda z: np.zeros_like(z)),
    "gaussian": (lambda z: np.exp(-z * z), lambda z: -2 * z * np.exp(-z * z)),
    "gaussian_symmetric": (lambda z: 2 * np.exp(-z * z) - 1, lambda z: -4 * z * np.exp(-z * z)),
    "elliot": (lambda z: z / 2 / (1 + np.abs(z)) + 0.5, lambda z: 0.5 / (1 + np.abs(z)) ** 2),
    "elliot_symmetric": (lambda z: z / (1 + np.abs(z)), lambda z: 1 / (1 + np.abs(z)) ** 2),
    "linear_piece": (lambda z: np.clip(z, 0, 1), lambda z: ((z > 0) & (z < 1)).astype(float)),
    "linear_piece_symmetric": (lambda z: np.clip(z, -1, 1), lambda z: ((z > -1) & (z < 1)).astype(float)),
    "sin": (lambda z: np.sin(z) / 2 + 0.5, lambda z: np.cos(z) / 2),
    "sin_symmetric": (np.sin, np.cos),
    "cos": (lambda z: np.cos(z) / 2 + 0.5, lambda z: -np.sin(z) / 2),
    "cos_symmetric": (np.cos, lambda z: -np.sin(z)),
}


def act_forward(name: str, z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    if name in FANN_FUNCS:
        return FANN_FUNCS[name][0](z)
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
    if name in FANN_FUNCS:
        return g * FANN_FUNCS[name][1](z)
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


def adamw_step(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    """AdamW (Loshchilov & Hutter, as torch.optim.AdamW): w shrinks by lr*wd*w, then Adam without L2."""
    w = w - lr * weight_decay * w
    return adam_step(w, g, m, v, t, lr, beta1, beta2, eps)


def irprop_minus_step(w, g, prev_g, step, inc=1.2, dec=0.5, dmin=0.0, dmax=50.0, fann_zero_slope=False):
    """iRPROP- (Igel & Huesken 2000, FANN's bounds); returns new (w, prev_g, step). fann_zero_slope: FANN 2.2's
    code, where a zero (or zeroed) slope moves the weight up by the step instead of leaving it."""
    prev = np.maximum(step, 1e-4)
    flip = prev_g * g < 0
    new_step = np.where(flip, np.maximum(prev * dec, dmin), np.minimum(prev * inc, dmax))
    g_eff = np.where(flip, 0.0, g)
    direction = np.where(g_eff == 0, -1.0, np.sign(g_eff)) if fann_zero_slope else np.sign(g_eff)
    w = np.clip(w - direction * new_step, -1500, 1500)
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


# ---------------------------------------------------------------------------------------------------- cascade
# FANN shortcut networks, from FANN's definitions (fann_run: y = f(clip(s·Σ w·x, ±150/s)) with FANN's f of that
# sum: FANN_SIGMOID is 1/(1+exp(-2u)), FANN_SIGMOID_SYMMETRIC tanh(u), the others as FANN_FUNCS), neuron by neuron.
CASCADE_FUNCS = dict({name: f for name, (f, _) in FANN_FUNCS.items()}, linear=lambda u: u,
                     sigmoid=lambda u: 1.0 / (1.0 + np.exp(-2.0 * u)), sigmoid_symmetric=np.tanh)
# training derivatives d f / d u; for the sigmoid kinds FANN's (fann_activation_derived), from y clipped to
# [0.01, 0.99] / [-0.98, 0.98] (its flat-spot elimination)
CASCADE_DERIVS = dict({name: d for name, (_, d) in FANN_FUNCS.items()}, linear=lambda u: np.ones_like(u),
                      sigmoid=lambda u: (lambda y: 2 * y * (1 - y))(np.clip(1 / (1 + np.exp(-2 * u)), 0.01, 0.99)),
                      sigmoid_symmetric=lambda u: 1 - np.clip(np.tanh(u), -0.98, 0.98) ** 2)
# FANN 2.2's stepwise functions of its u (fann_activation.h: breakpoints v, values r, lo left of v[0], hi from
# v[5] on, linear between); trained, as FANN trains them, with the sigmoids' derivative from the clipped output
FANN_STEPWISE = {
    "sigmoid_stepwise": ([-2.64665246009826660156e+00, -1.47221946716308593750e+00, -5.49306154251098632812e-01,
                          5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00],
                         [4.99999988824129104614e-03, 5.00000007450580596924e-02, 0.25, 0.75,
                          9.49999988079071044922e-01, 9.95000004768371582031e-01], 0.0, 1.0),
    "sigmoid_symmetric_stepwise": ([-2.64665293693542480469e+00, -1.47221934795379638672e+00,
                                    -5.49306154251098632812e-01, 5.49306154251098632812e-01,
                                    1.47221934795379638672e+00, 2.64665293693542480469e+00],
                                   [-9.90000009536743164062e-01, -8.99999976158142089844e-01, -0.5, 0.5,
                                    8.99999976158142089844e-01, 9.90000009536743164062e-01], -1.0, 1.0),
}


def fann_stepwise(name: str, u: np.ndarray) -> np.ndarray:
    v, r, lo, hi = FANN_STEPWISE[name]
    u = np.asarray(u, dtype=np.float64)
    out = np.where(u < v[0], lo, hi)
    for i in range(5):
        m = (u >= v[i]) & (u < v[i + 1])
        out = np.where(m, (r[i + 1] - r[i]) * (u - v[i]) / (v[i + 1] - v[i]) + r[i], out)
    return out


CASCADE_FUNCS.update(sigmoid_stepwise=lambda u: fann_stepwise("sigmoid_stepwise", u),
                     sigmoid_symmetric_stepwise=lambda u: fann_stepwise("sigmoid_symmetric_stepwise", u))
CASCADE_DERIVS.update(
    sigmoid_stepwise=lambda u: (lambda y: 2 * y * (1 - y))(np.clip(fann_stepwise("sigmoid_stepwise", u), 0.01, 0.99)),
    sigmoid_symmetric_stepwise=lambda u: 1 - np.clip(fann_stepwise("sigmoid_symmetric_stepwise", u), -0.98, 0.98) ** 2)
HALVED = {"sigmoid_symmetric", "threshold_symmetric", "gaussian_symmetric", "elliot_symmetric",
          "linear_piece_symmetric", "sin_symmetric", "cos_symmetric", "sigmoid_symmetric_stepwise"}


def shortcut_forward(num_inputs: int, layer_sizes: List[int], acts: List[str], steep: np.ndarray, weights: np.ndarray,
                     X: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(outputs (n, O), units (n, inputs + 1 + hidden)) of a FANN shortcut network: each neuron of hidden layer k
    reads the inputs, a bias 1 and the hidden layers before k (weights in that order, neuron after neuron)."""
    X = np.asarray(X, dtype=np.float64)
    cols = [X[:, i] for i in range(num_inputs)] + [np.ones(len(X))]
    layer_of = [k for k, size in enumerate(layer_sizes) for _ in range(size)]
    H = len(layer_of)
    pos, outs = 0, []
    for i, (a, s) in enumerate(zip(acts, np.asarray(steep, dtype=np.float64))):
        fan = num_inputs + 1 + (sum(layer_sizes[:layer_of[i]]) if i < H else H)  # not its own layer's neurons
        z = np.stack(cols[:fan], axis=1) @ np.asarray(weights[pos:pos + fan], dtype=np.float64)
        pos += fan
        y = CASCADE_FUNCS[a](np.clip(s * z, -150 / s, 150 / s))
        (cols if i < H else outs).append(y)
    return np.stack(outs, axis=1), np.stack(cols, axis=1)


def candidate_scores(units: np.ndarray, outputs: np.ndarray, out_acts: List[str], targets: np.ndarray, sse: float,
                     acts: List[str], steep: List[float], weights: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """FANN's Cascade2 candidate score and slopes (−gradient) for candidates on units (n, F): the errors
    e = t − y (halved for symmetric outputs); a candidate of value c = f(s·units·w_in) with output weights v
    scores sse − Σ (c·v − e)²; slopes −2·Σ (c·v − e)·c for v and −Σ_n (Σ_j (c·v_j − e_j)·v_j)·s·f'·x for w_in."""
    E = (targets - outputs) * np.array([0.5 if a in HALVED else 1.0 for a in out_acts])
    F = units.shape[1]
    scores, slopes = [], []
    for a, s, w in zip(acts, steep, np.asarray(weights, dtype=np.float64)):
        u = s * (units @ w[:F])
        c = CASCADE_FUNCS[a](u)
        v = w[F:]
        diff = c[:, None] * v[None, :] - E
        scores.append(sse - float((diff ** 2).sum()))
        out_slope = -2 * (diff * c[:, None]).sum(axis=0)
        delta = (diff @ v) * s * CASCADE_DERIVS[a](u)
        slopes.append(np.concatenate([-(delta @ units), out_slope]))
    return np.array(scores), np.array(slopes)


def numeric_grad(net, X, T, layer: int, which: str, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of net.loss_value with respect to one layer's "weights" or "bias" (the network's
    own loss, not this module's: the gradient checks compare it with the network's analytic gradients)."""
    L = net.layers[layer]
    base = (L.weights if which == "weights" else L.bias).copy()
    grad = np.zeros_like(base)
    for idx in np.ndindex(*base.shape):
        for sign in (1, -1):
            p = base.copy()
            p[idx] += sign * eps
            setattr(L, which, p)
            grad[idx] += sign * net.loss_value(X, T)
        grad[idx] /= 2 * eps
    setattr(L, which, base)
    return grad
