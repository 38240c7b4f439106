"""Policy-gradient training on a :class:`SubmodularProblem`: batched rollouts in numpy and
the three policies (tabular time-indexed softmax, the authors' MLP on (state, time), and the
non-Markov MLP on the padded history) with REINFORCE or natural-gradient updates.

The trainer uses the instance only as a simulator (start, moves, the marginal gains F pays):
SubPO is model-free; sampling the instance's trajectories in a batch is the same as playing
``batch_size`` episodes of the env per update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from papergym.envs.submodular.problem import N_ACTIONS, SubmodularProblem

__all__ = ["PGConfig", "PolicyGradientTrainer", "Rollouts", "single_thread_torch"]


def single_thread_torch() -> None:
    """Run torch on one thread.  The nets here are tiny (in -> 64 -> 32 -> 5): one thread
    is as fast as many on an idle machine and over 10x faster on a loaded one (measured:
    SB3 PPO, 2048 steps, 161 s on torch's default threads vs 13 s on one, 2 busy cores);
    the leaderboard runs its cells in parallel processes anyway."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)

POLICIES = ("tabular", "mlp", "history")
REWARDS = ("marginal", "modular")
UPDATES = ("reinforce", "natural")


@dataclass
class PGConfig:
    """Hyper-parameters (defaults: the code's coverage config, params/coverage/subrl_M.yaml:
    500 trajectories per update, 50 epochs, Adam; ``lr=None`` is the code's 0.01 for the
    networks and 0.3 for the tabular policy, our choice: with 0.01 a zero-initialised table
    barely moves in 50 updates)."""

    policy: str = "tabular"
    reward: str = "marginal"
    update: str = "reinforce"
    epochs: int = 50
    batch_size: int = 500
    lr: float | None = None
    baseline: bool = False
    natural_step: float = 1.0
    features: str = "normalised"

    def __post_init__(self):
        from papergym.utils.checks import check_choice, check_int, check_real

        check_choice("policy", self.policy, POLICIES)
        check_choice("reward", self.reward, REWARDS)
        check_choice("update", self.update, UPDATES)
        check_choice("features", self.features, ("normalised", "raw"))
        if self.update == "natural" and self.policy != "tabular":
            raise ValueError("update='natural' is implemented for policy='tabular' only")
        check_int("epochs", self.epochs, low=0)
        check_int("batch_size", self.batch_size, low=1)
        if self.lr is None:
            self.lr = 0.3 if self.policy == "tabular" else 0.01
        check_real("lr", self.lr, low=0.0, low_open=True)
        check_real("natural_step", self.natural_step, low=0.0, low_open=True)


@dataclass
class Rollouts:
    """A batch of trajectories: ``cells`` (B, H) visited cells, ``actions`` (B, H-1),
    ``rewards`` (B, H-1) the training reward, ``values`` (B,) F(tau)."""

    cells: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    values: np.ndarray


class _Adam:
    """Adam ascent on a numpy table, applied to the rows that ever had a gradient: an entry
    whose gradient was always 0 has m = v = 0 and would not move, so skipping it is exactly
    dense Adam, at the cost of the visited rows only."""

    def __init__(self, shape: tuple[int, ...], lr: float, b1: float = 0.9, b2: float = 0.999):
        self.lr, self.b1, self.b2, self.t = lr, b1, b2, 0
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.touched = np.zeros(shape[:-1], dtype=bool)

    def step(self, theta: np.ndarray, grad: np.ndarray, rows: np.ndarray) -> None:
        """``rows``: a boolean mask (shape[:-1]) of the rows with a gradient this step."""
        self.t += 1
        self.touched |= rows
        idx = np.nonzero(self.touched)
        g = grad[idx]
        m = self.m[idx] = self.b1 * self.m[idx] + (1 - self.b1) * g
        v = self.v[idx] = self.b2 * self.v[idx] + (1 - self.b2) * g * g
        m_hat = m / (1 - self.b1 ** self.t)
        v_hat = v / (1 - self.b2 ** self.t)
        theta[idx] += self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def _sample(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((np.cumsum(probs, axis=1) < u).sum(1), N_ACTIONS - 1)


@dataclass
class PolicyGradientTrainer:
    """Train a policy on ``problem`` and act with it.  ``curve`` records the mean F(tau) of
    each epoch's batch (before its update)."""

    problem: SubmodularProblem
    config: PGConfig
    seed: int = 0
    curve: list[float] = field(default_factory=list)

    def __post_init__(self):
        p = self.problem
        self.rng = np.random.default_rng(self.seed)
        self.horizon = p.horizon
        self.n_cells = p.n_cells
        self.singleton = p.singleton_values()
        # the code divides returns by MAX_Ret = 2 (H + 1); any constant works with Adam, and
        # the natural step needs advantages in units of one step's largest gain
        self.scale = float(max(self.singleton.max(), 1e-12))
        if self.config.policy == "tabular":
            self.theta = np.zeros((self.horizon - 1, self.n_cells, N_ACTIONS))
            self.adam = _Adam(self.theta.shape, self.config.lr)
        else:
            import torch

            single_thread_torch()
            torch.manual_seed(self.seed)
            if self.config.policy == "mlp":
                width = 2 if self.config.features == "raw" else 3
            else:
                width = self.horizon - 1
            # the authors' network (utils/network.py): in -> 64 -> 32 -> 5, tanh, softmax
            self.net = torch.nn.Sequential(
                torch.nn.Linear(width, 64), torch.nn.Tanh(), torch.nn.Linear(64, 32),
                torch.nn.Tanh(), torch.nn.Linear(32, N_ACTIONS))
            self.optim = torch.optim.Adam(self.net.parameters(), lr=self.config.lr)

    # ----------------------------------------------------------------- features
    def _features(self, h: int, cells: np.ndarray, history: np.ndarray | None) -> np.ndarray:
        """The networks' input.  ``features="raw"`` is the code's: (cell index, h) as floats
        for the Markov net, and the visited cell indices padded with -1 to H - 1 entries
        (``append_state``) for the history net; ``"normalised"`` (default) scales them to
        [0, 1]: (row, col, h) over their ranges, and cell / N in the history."""
        g = self.problem.geometry
        raw = self.config.features == "raw"
        if self.config.policy == "mlp":
            if raw:
                return np.stack([cells.astype(float), np.full(len(cells), float(h))], 1)
            r, c = np.divmod(cells, g.cols)
            return np.stack([r / max(1, g.rows - 1), c / max(1, g.cols - 1),
                             np.full(len(cells), h / max(1, self.horizon - 1))], 1)
        feats = np.full((len(cells), self.horizon - 1), -1.0)
        feats[:, :h + 1] = history[:, :h + 1] / (1.0 if raw else self.n_cells)
        return feats

    def probs(self, h: int, cells: np.ndarray, history: np.ndarray | None = None) -> np.ndarray:
        """pi(. | s_h, h) for a batch of cells (history: the cells so far, for 'history')."""
        if self.config.policy == "tabular":
            return _softmax(self.theta[h, cells])
        import torch

        with torch.no_grad():
            x = torch.as_tensor(self._features(h, cells, history), dtype=torch.float32)
            return torch.softmax(self.net(x), -1).double().numpy()

    # ----------------------------------------------------------------- rollouts
    def rollout(self, batch: int, rng: np.random.Generator | None = None) -> Rollouts:
        """Sample ``batch`` trajectories of the current policy."""
        rng = self.rng if rng is None else rng
        p, H = self.problem, self.horizon
        state = p.batched_state(batch)
        cells = np.full((batch, H), p.start, dtype=np.int64)
        actions = np.zeros((batch, H - 1), dtype=np.int64)
        rewards = np.zeros((batch, H - 1))
        first = state.add(cells[:, 0])
        nxt = p.geometry.next_cell
        for h in range(H - 1):
            a = _sample(self.probs(h, cells[:, h], cells), rng)
            actions[:, h] = a
            cells[:, h + 1] = nxt[cells[:, h], a]
            gain = state.add(cells[:, h + 1])
            rewards[:, h] = gain if self.config.reward == "marginal" else \
                self.singleton[cells[:, h + 1]]
        if self.config.reward == "marginal":
            rewards[:, 0] += first
        else:
            rewards[:, 0] += self.singleton[cells[:, 0]]
        return Rollouts(cells, actions, rewards, state.value.copy())

    # ----------------------------------------------------------------- updates
    def _returns_to_go(self, rewards: np.ndarray) -> np.ndarray:
        """sum_{j >= h} r_j: for marginal gains, F(tau) - F(tau_0:h) (the paper's weight)."""
        rtg = np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1] / self.scale
        if self.config.baseline:
            rtg = rtg - rtg.mean(0, keepdims=True)
        return rtg

    def update(self, batch: Rollouts) -> None:
        rtg = self._returns_to_go(batch.rewards)
        B = batch.cells.shape[0]
        if self.config.policy == "tabular":
            if self.config.update == "natural":
                self._natural_update(batch, rtg)
                return
            grad = np.zeros_like(self.theta)
            rows = np.zeros(self.theta.shape[:2], dtype=bool)
            eye = np.eye(N_ACTIONS)
            for h in range(self.horizon - 1):
                s = batch.cells[:, h]
                score = eye[batch.actions[:, h]] - _softmax(self.theta[h, s])
                np.add.at(grad[h], s, score * (rtg[:, h] / B)[:, None])
                rows[h, s] = True
            self.adam.step(self.theta, grad, rows)
            return
        import torch

        H = self.horizon
        feats = np.concatenate([self._features(h, batch.cells[:, h], batch.cells)
                                for h in range(H - 1)])
        x = torch.as_tensor(feats, dtype=torch.float32)
        acts = torch.as_tensor(batch.actions.T.reshape(-1))
        weight = torch.as_tensor(rtg.T.reshape(-1), dtype=torch.float32)
        logp = torch.log_softmax(self.net(x), -1).gather(1, acts[:, None]).squeeze(1)
        loss = -(logp * weight).sum() / B
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()

    def _natural_update(self, batch: Rollouts, rtg: np.ndarray) -> None:
        """The natural policy gradient of a tabular softmax policy: the Fisher information
        of each (h, s) block inverts in closed form and the step is
        ``theta[h, s, a] += step * A(h, s, a)`` (Kakade 2001; Agarwal et al. 2021), with the
        advantage estimated from the batch: the mean return-to-go of the samples that took
        ``a`` at ``(h, s)`` minus that of all samples at ``(h, s)`` (0 for unseen actions)."""
        n, step = self.n_cells, self.config.natural_step
        for h in range(self.horizon - 1):
            s, a, g = batch.cells[:, h], batch.actions[:, h], rtg[:, h]
            key = s * N_ACTIONS + a
            q_sum = np.bincount(key, weights=g, minlength=n * N_ACTIONS)
            q_cnt = np.bincount(key, minlength=n * N_ACTIONS)
            v_sum = np.bincount(s, weights=g, minlength=n)
            v_cnt = np.bincount(s, minlength=n)
            seen = q_cnt > 0
            v = np.divide(v_sum, np.maximum(v_cnt, 1))
            adv = np.zeros(n * N_ACTIONS)
            adv[seen] = q_sum[seen] / q_cnt[seen] - np.repeat(v, N_ACTIONS)[seen]
            self.theta[h] += step * adv.reshape(n, N_ACTIONS)

    def train(self, progress: bool = False, label: str = "") -> list[float]:
        """Run ``epochs`` updates of ``batch_size`` trajectories; returns the curve."""
        epochs = range(self.config.epochs)
        if progress:
            from tqdm import tqdm

            epochs = tqdm(epochs, desc=label or "train", leave=False)
        for _ in epochs:
            batch = self.rollout(self.config.batch_size)
            self.curve.append(float(batch.values.mean()))
            self.update(batch)
        return self.curve

    def act(self, h: int, cell: int, history: list[int], rng: np.random.Generator,
            deterministic: bool = False) -> int:
        """An action of the trained policy at state ``cell``, time ``h``."""
        hist = None
        if self.config.policy == "history":
            hist = np.full((1, self.horizon), -1, dtype=np.int64)
            hist[0, :len(history)] = history[:self.horizon]
        h = min(h, self.horizon - 2)
        probs = self.probs(h, np.array([cell], dtype=np.int64), hist)[0]
        if deterministic:
            return int(np.argmax(probs))
        return int(_sample(probs[None], rng)[0])

    def config_dict(self) -> dict[str, Any]:
        return dict(vars(self.config))
