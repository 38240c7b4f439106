"""Agents of StreamingBandit-v0 (Wang, ICML 2023), written from the algorithms' logic with
integer pulls.  Each agent is a coroutine: its algorithm reads as straight-line code that
yields env actions and receives the step's successes; many pulls of one arm are issued as
a binary decomposition into the env's power-of-two batched pulls."""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np

from papergym.agents.bandits._common import WANG
from papergym.agents.base import Agent
from papergym.envs.bandits.lsd_math import log_star
from papergym.envs.bandits.streaming import StreamingActions

__all__ = ["GameOfArmsAgent", "NaiveEpsBestAgent", "StreamingUCB1Agent", "TowerEpsBestAgent",
           "UniformExplorationAgent", "tower_levels"]

Coroutine = Generator[int, float, None]


class _StreamingAgent(Agent):
    """The coroutine driver: ``act`` returns the action the algorithm yielded last,
    ``observe`` sends it the reward and tracks the budget and the stream."""

    paper = WANG

    def reset(self, observation, info, *, env_model=None, seed=None):
        super().reset(observation, info, env_model=env_model, seed=seed)
        self._memory = len(info["slot_pulls"]) - 1
        n = self.action_space.n
        self._codes = StreamingActions(self._memory, (n - 2 * self._memory - 1) // (self._memory + 1) - 1)
        self._n_arms = int(info["n_arms"])
        self._horizon = int(info["pulls_left"])
        self._eps = (self._n_arms / self._horizon) ** (1 / 3)
        self._info = info
        self._gen = self.run()
        self._next = next(self._gen)

    @property
    def left(self) -> int:
        return int(self._info["pulls_left"])

    @property
    def arriving(self) -> bool:
        return bool(self._info["arriving"])

    def act(self, observation, info):
        return self._next

    def observe(self, action, reward, observation, terminated, truncated, info):
        self._info = info
        if terminated or truncated:
            return
        try:
            self._next = self._gen.send(reward)
        except StopIteration:  # the algorithm ended early: spend the rest on a held arm
            self._gen = self._spend_rest()
            self._next = next(self._gen)

    def _spend_rest(self) -> Coroutine:
        pulls = self._info["slot_pulls"]
        held = [s for s in range(self._memory + 1) if self._info["action_mask"][
            self._codes.pull(s, 0)]]
        target = max(held, key=lambda s: pulls[s])
        yield from self.pull(target, self.left)

    # -------------------------------------------------------------- primitives
    def pull(self, target: int, n: int) -> Generator[int, float, int]:
        """Pull ``target`` (slot, or ``memory`` for the arriving arm) ``n`` times (fewer if
        the budget ends); returns the successes."""
        wins = 0
        n = int(n)
        while n > 0 and self.left > 0:
            j = min(min(n, self.left).bit_length() - 1, self._codes.max_exponent)
            wins += int((yield self._codes.pull(target, j)))
            n -= 1 << j
        return wins

    def store(self, slot: int) -> Coroutine:
        yield self._codes.store(slot)

    def drop(self, slot: int) -> Coroutine:
        yield self._codes.drop(slot)

    def skip(self) -> Coroutine:
        yield self._codes.skip

    def commit(self, slot: int) -> Coroutine:
        yield from self.pull(slot, self.left)

    def run(self) -> Coroutine:  # pragma: no cover - abstract
        raise NotImplementedError


class _KingChallenger(_StreamingAgent):
    """One stored arm (the king, slot 0): every arriving arm is pulled ``batch`` times and
    replaces the king if its empirical mean is strictly higher, else is skipped; at the end
    of the stream the rest of the budget goes to the king.  The first arm is stored with
    its estimate (the public code leaves the first king's mean at 0)."""

    def batch(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def run(self) -> Coroutine:
        b = max(1, self.batch())
        king_mean = None
        while self.arriving and self.left > 0:
            wins = yield from self.pull(self._memory, b)
            mean = wins / b
            if king_mean is None or mean > king_mean:
                king_mean = mean
                yield from self.store(0)
            else:
                yield from self.skip()
        yield from self.commit(0)


class UniformExplorationAgent(_KingChallenger):
    """Uniform exploration, the benchmark: ``(T/K)^{2/3} (ln T)^{1/3}`` pulls per arm
    (regret ``O(K^{1/3} T^{2/3} log^{1/3} T)``)."""

    name = "uniform-exploration"
    paper = WANG + " (its benchmark)"

    def batch(self) -> int:
        return math.ceil((self._horizon / self._n_arms) ** (2 / 3)
                         * math.log(self._horizon) ** (1 / 3))


class NaiveEpsBestAgent(_KingChallenger):
    """Naive eps-best arm, then commit (Wang 2023): ``eps = (K/T)^{1/3}`` and
    ``ln K / eps^2`` pulls per arm in the king/challenger rule."""

    name = "naive-eps-best"

    def batch(self) -> int:
        return math.ceil(math.log(self._n_arms) / self._eps ** 2)


def tower_levels(kind: str, n_arms: int, eps: float) -> tuple[list[int], list[float]]:
    """Per-level batch sizes and level budgets of the eps-best towers (the public code's
    parameters): ``log``: ``floor(ln K)`` levels, batch ``ceil(1.2^l / eps^2)``, budget
    6 batches; ``loglog``: ``floor(ln ln K) + 1`` levels, budget 10 batches, the top level
    ``ln K / eps^2`` pulls and unbudgeted; ``logstar``: ``log* K + 1`` levels, ``rho_0 = 2``,
    ``rho_{l+1} = 2^{rho_l}``, batch ``rho_l / eps^2`` (level 0: ``1/eps^2``), budgets
    ``4/eps^2`` then ``2^{rho_{l+1}} batch_{l+1} / 2^{rho_l}``."""
    inv = 1.0 / eps ** 2
    big = float(2**62)
    if kind == "log":
        levels = max(1, int(math.log(n_arms)))
        batches = [math.ceil(1.2 ** lvl * inv) for lvl in range(levels)]
        caps = [6.0 * b for b in batches]
    elif kind == "loglog":
        levels = max(1, int(math.log(max(math.log(n_arms), 1.0))) + 1)
        batches = [math.ceil(1.2 ** lvl * inv) for lvl in range(levels - 1)]
        batches.append(math.ceil(math.log(n_arms) * inv))
        caps = [10.0 * b for b in batches[:-1]] + [big]
    elif kind == "logstar":
        levels = log_star(n_arms) + 1
        rho = [2.0]
        batches = [math.ceil(inv)]
        caps = [4.0 * inv]
        for _ in range(levels - 1):
            nxt = 2.0 ** rho[-1] if rho[-1] < 62 else big
            batches.append(math.ceil(min(nxt * inv, big)))
            cap = (2.0 ** nxt if nxt < 62 else big) * batches[-1] / 2.0 ** rho[-1]
            caps.append(min(cap, big))
            rho.append(nxt)
    else:
        raise ValueError(f"kind must be 'log', 'loglog' or 'logstar', got {kind!r}")
    return [int(min(b, big)) for b in batches], caps


class TowerEpsBestAgent(_StreamingAgent):
    """The eps-best towers of Wang (2023), after Assadi and Wang (STOC 2020), then commit.

    Each level keeps one king and a pull budget.  An arriving arm challenges the level-0
    king with ``batch_0`` pulls (strictly higher mean wins; the loser is let go).  Every
    challenge spends ``batch_l`` of level ``l``'s budget; when it is spent the level's king
    is promoted: at level ``l + 1`` it is pulled ``batch_{l+1}`` times and duels that
    level's king (by its own ``batch_{l+1}`` estimate), the loser let go, which may cascade.
    At the end of the stream every level's king gets ``batch_0`` fresh pulls and the best
    of these estimates is committed to (the public code's best-of-levels never updates its
    running best).  ``kind``: ``log`` (``ln K`` memory), ``loglog``, ``logstar``."""

    def __init__(self, kind: str = "log"):
        if kind not in ("log", "loglog", "logstar"):
            raise ValueError(f"kind must be 'log', 'loglog' or 'logstar', got {kind!r}")
        self.kind = kind
        self.name = f"{kind}-eps-best"

    def run(self) -> Coroutine:
        batches, caps = tower_levels(self.kind, self._n_arms, self._eps)
        levels = len(batches)
        if levels > self._memory:
            raise ValueError(f"{self.name} needs memory >= {levels} for K = {self._n_arms}, "
                             f"got {self._memory}")
        slot_of: list[int | None] = [None] * levels   # the slot holding each level's king
        est = [0.0] * levels
        spent = [0.0] * levels
        free = list(range(self._memory))

        def promote(lvl):  # the king of lvl moves up, duelling; may cascade
            while lvl + 1 < levels and spent[lvl] > caps[lvl] and slot_of[lvl] is not None:
                slot, up = slot_of[lvl], lvl + 1
                slot_of[lvl], spent[lvl] = None, 0.0
                mean = (yield from self.pull(slot, batches[up])) / batches[up]
                spent[up] += batches[up]
                if slot_of[up] is None or mean > est[up]:
                    if slot_of[up] is not None:
                        yield from self.drop(slot_of[up])
                        free.append(slot_of[up])
                    slot_of[up], est[up] = slot, mean
                else:
                    yield from self.drop(slot)
                    free.append(slot)
                lvl = up

        while self.arriving and self.left > 0:
            b = batches[0]
            mean = (yield from self.pull(self._memory, b)) / b
            spent[0] += b
            if slot_of[0] is None:
                slot = free.pop()
                yield from self.store(slot)
                slot_of[0], est[0] = slot, mean
            elif mean > est[0]:
                yield from self.store(slot_of[0])
                est[0] = mean
            else:
                yield from self.skip()
            yield from promote(0)
        kings = [s for s in slot_of if s is not None]
        if not kings:
            return
        best, best_mean = kings[0], -1.0
        if len(kings) > 1:
            for slot in kings:
                mean = (yield from self.pull(slot, batches[0])) / batches[0]
                if mean > best_mean:
                    best, best_mean = slot, mean
        yield from self.commit(best)


class GameOfArmsAgent(_StreamingAgent):
    """Game of Arms (Jin, Huang, Tang, Xiao; ICML 2021), adapted to regret as in Wang's
    code, single-arm memory.  The king holds a budget (``1.2/eps^2``, plus ``1/eps^2`` per
    arriving arm); a challenger is pulled in rounds of ``2^l / eps^2`` (``l < 10 ln ln K``),
    each round charged to the king's budget; it is let go once its mean falls to
    ``king - eps/5``; it is crowned when the king's budget runs out or it survives every
    round.  Exploration stops at ``10 K / eps^2`` pulls; then commit to the king.  The
    fallback sampling branch of the public code (each arm kept w.p. ``1.5/ln K``) is
    left out: we always commit to the king."""

    name = "game-of-arms"

    def run(self) -> Coroutine:
        inv = 1.0 / self._eps ** 2
        rounds = max(1, math.ceil(10 * math.log(max(math.log(self._n_arms), 1.0 + 1e-9))))
        stop = 10 * self._n_arms * inv
        used = 0
        first = math.ceil(inv)
        king_mean = (yield from self.pull(self._memory, first)) / first
        used += first
        yield from self.store(0)
        budget = 1.2 * inv
        while self.arriving and self.left > 0 and used < stop:
            budget += inv
            wins = pulls = 0
            crowned = False
            for lvl in range(rounds):
                r = math.ceil(2 ** lvl * inv)
                wins += yield from self.pull(self._memory, r)
                pulls += r
                used += r
                budget -= r
                if wins / pulls <= king_mean - self._eps / 5:
                    break
                if budget <= 0 or lvl == rounds - 1:
                    crowned = True
                    break
            if crowned:
                king_mean, budget = wins / pulls, 1.2 * inv
                yield from self.store(0)
            else:
                yield from self.skip()
        yield from self.commit(0)


class StreamingUCB1Agent(_StreamingAgent):
    """UCB1 with full memory (every arm stored; needs ``memory >= n_arms``): the
    unconstrained reference.  Batched: the UCB1 arm (``mean + sqrt(2 ln t / n)``) is pulled
    ``max(1, n // 4)`` times, a geometric batching that keeps the step count logarithmic
    in ``T`` per arm."""

    name = "stream-ucb1"
    paper = "Auer, Cesa-Bianchi, Fischer, Finite-time Analysis of the Multiarmed Bandit Problem (2002)"

    def run(self) -> Coroutine:
        slots = []
        wins, pulls = [], []
        while self.arriving and self.left > 0:
            w = yield from self.pull(self._memory, 1)
            slot = len(slots)
            yield from self.store(slot)
            slots.append(slot)
            wins.append(w)
            pulls.append(1)
        wins_a, pulls_a = np.array(wins, dtype=float), np.array(pulls, dtype=float)
        while self.left > 0:
            t = pulls_a.sum()
            idx = wins_a / pulls_a + np.sqrt(2 * math.log(t) / pulls_a)
            i = int(np.argmax(idx))
            n = max(1, int(pulls_a[i]) // 4)
            w = yield from self.pull(slots[i], n)
            wins_a[i] += w
            pulls_a[i] += n
