"""The math of the submodular grid worlds: geometry, weight maps, the three objectives with
incremental marginal gains (one trajectory, or a batch of them in numpy), and the instance
(``SubmodularProblem``) that the env, the planners and the agents share.

Conventions (those of manish-pra/non-additive-RL, ``utils/environment.py``): cells are
numbered row-major, ``cell = row * cols + col``; action 0 stays, 1 moves to ``col + 1``,
2 to ``row + 1``, 3 to ``col - 1``, 4 to ``row - 1``; a move off the grid or into a wall
stays put (the code's transition matrix gets a self-loop wherever an action has no edge).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ACTION_MOVES",
    "OBJECTIVES",
    "WEIGHT_MAPS",
    "BatchedState",
    "Geometry",
    "SubmodularProblem",
    "TrajectoryState",
    "make_geometry",
]

OBJECTIVES = ("coverage", "information", "items")
WEIGHT_MAPS = ("constant", "bimodal", "gp", "density")
DOMAINS = ("single_room", "two_rooms")
#: (d_row, d_col) of actions 0..4: stay, right, down, left, up
ACTION_MOVES = ((0, 0), (0, 1), (1, 0), (0, -1), (-1, 0))
N_ACTIONS = 5


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Geometry:
    """The static grid: walls, the transition table and the coverage footprints.

    ``next_cell[c, a]`` is where action ``a`` leads from cell ``c``; ``footprint[c]`` lists
    the cells a visit to ``c`` covers (Chebyshev distance <= radius, walls left out), padded
    with the index ``n_cells`` (a dummy cell of weight 0)."""

    rows: int
    cols: int
    radius: int
    domain: str
    walls: np.ndarray       # bool (N,)
    next_cell: np.ndarray   # int64 (N, 5)
    footprint: np.ndarray   # int64 (N, K), padded with N
    coords: np.ndarray      # float64 (N, 2): (row, col)

    @property
    def n_cells(self) -> int:
        return self.rows * self.cols

    @property
    def free(self) -> np.ndarray:
        """Indices of the cells that are not walls."""
        return np.flatnonzero(~self.walls)


def two_room_walls(rows: int, cols: int) -> np.ndarray:
    """The code's two-room layout (``room_grid_world_graph``, 7 x 14), scaled: two rooms of
    ``round(4 cols / 14)`` columns at either side joined by a corridor of the two middle rows
    (rows 2 and 3 of 7); every other cell between the rooms is a wall."""
    room = max(1, round(4 * cols / 14))
    walls = np.zeros((rows, cols), dtype=bool)
    walls[:, room:cols - room] = True
    mid = rows // 2
    walls[max(0, mid - 1):mid + 1, room:cols - room] = False
    return walls.ravel()


def make_geometry(rows: int, cols: int, radius: int, domain: str) -> Geometry:
    """Build the :class:`Geometry` of a ``rows`` x ``cols`` grid."""
    n = rows * cols
    walls = two_room_walls(rows, cols) if domain == "two_rooms" else np.zeros(n, dtype=bool)
    r, c = np.divmod(np.arange(n), cols)
    next_cell = np.empty((n, N_ACTIONS), dtype=np.int64)
    for a, (dr, dc) in enumerate(ACTION_MOVES):
        nr, nc = r + dr, c + dc
        inside = (nr >= 0) & (nr < rows) & (nc >= 0) & (nc < cols)
        target = np.where(inside, nr * cols + nc, np.arange(n))
        target = np.where(walls[np.clip(target, 0, n - 1)], np.arange(n), target)
        next_cell[:, a] = target
    offsets = [(dr, dc) for dr in range(-radius, radius + 1) for dc in range(-radius, radius + 1)]
    footprint = np.full((n, len(offsets)), n, dtype=np.int64)
    for k, (dr, dc) in enumerate(offsets):
        nr, nc = r + dr, c + dc
        inside = (nr >= 0) & (nr < rows) & (nc >= 0) & (nc < cols)
        target = np.where(inside, nr * cols + nc, n)
        target = np.where(inside & walls[np.clip(target, 0, n - 1)], n, target)
        footprint[:, k] = target
    footprint[walls] = n
    coords = np.stack([r, c], axis=1).astype(np.float64)
    for arr in (walls, next_cell, footprint, coords):
        arr.setflags(write=False)
    return Geometry(rows, cols, radius, domain, walls, next_cell, footprint, coords)


# --------------------------------------------------------------------------- weight maps


def matern52(dist: np.ndarray, lengthscale: float) -> np.ndarray:
    """The Matérn-5/2 kernel (unit variance) at distances ``dist``."""
    s = math.sqrt(5.0) * dist / lengthscale
    return (1.0 + s + s * s / 3.0) * np.exp(-s)


_KERNELS: dict[tuple[int, int, float], np.ndarray] = {}


def kernel_matrix(geometry: Geometry, lengthscale: float) -> np.ndarray:
    """The Matérn-5/2 kernel between every pair of cells (cached per grid and lengthscale,
    read-only)."""
    key = (geometry.rows, geometry.cols, float(lengthscale))
    if key not in _KERNELS:
        c = geometry.coords
        d = np.sqrt(((c[:, None, :] - c[None, :, :]) ** 2).sum(-1))
        k = matern52(d, lengthscale)
        k.setflags(write=False)
        if len(_KERNELS) > 8:
            _KERNELS.clear()
        _KERNELS[key] = k
    return _KERNELS[key]


def weight_map(kind: str, geometry: Geometry, rng: np.random.Generator,
               lengthscale: float) -> np.ndarray:
    """A non-negative weight per cell (walls 0), float64 (N,).

    ``constant``: 1 everywhere (the code's coverage config).  ``bimodal``: the code's
    ``1 / (1 + exp(-x y))`` on ``x, y in linspace(-1, 1)``, high in two opposite corners.
    ``gp``: a Matérn-5/2 Gaussian-process sample (random Fourier features, 256 of them) plus
    3, clipped at 0 (the code adds 3 to a GP sample).  ``density``: a synthetic density map
    standing in for the code's gorilla-nest data (which we do not ship): a mixture of 3 to 5
    Gaussian bumps at random places, scaled to a maximum of 1.
    """
    rows, cols = geometry.rows, geometry.cols
    if kind == "constant":
        w = np.ones(geometry.n_cells)
    elif kind == "bimodal":
        x = np.linspace(-1.0, 1.0, rows)
        y = np.linspace(-1.0, 1.0, cols)
        w = (1.0 / (1.0 + np.exp(-np.outer(x, y)))).ravel()
    elif kind == "gp":
        m, nu = 256, 2.5
        g = rng.standard_normal((m, 2))
        u = rng.chisquare(2 * nu, size=m)
        freq = g / np.sqrt(u / (2 * nu))[:, None] / lengthscale
        phase = rng.uniform(0.0, 2 * np.pi, size=m)
        amp = rng.standard_normal(m)
        f = math.sqrt(2.0 / m) * np.cos(geometry.coords @ freq.T + phase) @ amp
        w = np.clip(f + 3.0, 0.0, None)
    elif kind == "density":
        k = int(rng.integers(3, 6))
        centres = rng.uniform([0, 0], [rows - 1, cols - 1], size=(k, 2))
        spread = rng.uniform(0.08, 0.2, size=k) * max(rows, cols)
        mass = rng.uniform(0.5, 1.0, size=k)
        d2 = ((geometry.coords[:, None, :] - centres[None]) ** 2).sum(-1)
        w = (mass * np.exp(-d2 / (2 * spread ** 2))).sum(1)
        w = w / w.max()
    else:  # pragma: no cover - the env validates kind
        raise ValueError(f"weights must be one of {WEIGHT_MAPS}, got {kind!r}")
    w = np.where(geometry.walls, 0.0, w)
    return w


def place_items(geometry: Geometry, item_counts: tuple[int, ...],
                rng: np.random.Generator) -> np.ndarray:
    """Item type per cell (-1: none), int64 (N,): ``item_counts[k]`` distinct random free
    cells hold item ``k`` (the code's ``generate_Gi_Di``: one random permutation, cut in
    consecutive blocks)."""
    free = geometry.free
    perm = rng.permutation(free)[:sum(item_counts)]
    kind = np.full(geometry.n_cells, -1, dtype=np.int64)
    start = 0
    for k, count in enumerate(item_counts):
        kind[perm[start:start + count]] = k
        start += count
    return kind


# --------------------------------------------------------------------------- the instance


@dataclass(frozen=True, eq=False)
class SubmodularProblem:
    """One instance: the grid, the objective F and the start cell.  What
    ``SubmodularCoverageEnv.model()`` returns (read-only arrays).

    F is a monotone submodular function of the set of visited cells:

    - ``coverage``: ``F(S) = sum of weights[u] over u in the union of footprint(s), s in S``;
    - ``information``: ``F(S) = 1/2 log det(I + K_S / noise)``, the information gain of
      noisy observations of a Matérn-5/2 GP at the cells of S (informative path planning);
    - ``items``: ``F(S) = sum_k min(|S n items_k|, capacities[k])`` (capped item coverage).
    """

    geometry: Geometry
    objective: str
    horizon: int
    start: int
    weights: np.ndarray            # float64 (N + 1,), last entry 0 (the footprint pad)
    item_kind: np.ndarray          # int64 (N,), -1 where no item
    capacities: np.ndarray         # int64 (K,)
    gp_lengthscale: float
    gp_noise: float
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ----------------------------------------------------------------- basics
    @property
    def n_cells(self) -> int:
        return self.geometry.n_cells

    def step(self, cells: Any, actions: Any) -> Any:
        """The next cell(s): deterministic moves, walls and borders stop the agent."""
        return self.geometry.next_cell[cells, actions]

    def kernel_row(self, cell: int) -> np.ndarray:
        """k(cell, .) over every cell (Matérn-5/2, unit variance, lengthscale in cells)."""
        return kernel_matrix(self.geometry, self.gp_lengthscale)[cell]

    def __getstate__(self) -> dict:
        # the caches are rebuilt on demand; a pickled env stays small
        return {**self.__dict__, "_cache": {}}

    def covered_cells(self, cells: Any) -> np.ndarray:
        """The cells F counts for the visited set ``cells`` (footprint union for coverage,
        the visited cells themselves otherwise), sorted."""
        cells = np.unique(np.asarray(list(cells), dtype=np.int64))
        if self.objective == "coverage":
            covered = np.unique(self.geometry.footprint[cells])
            return covered[covered < self.n_cells]
        return cells

    def value(self, cells: Any) -> float:
        """F of a set of cells, computed from scratch (the reference the incremental gains
        are tested against)."""
        cells = np.unique(np.asarray(list(cells), dtype=np.int64))
        if cells.size == 0:
            return 0.0
        if self.objective == "coverage":
            return float(self.weights[self.covered_cells(cells)].sum())
        if self.objective == "items":
            kinds = self.item_kind[cells]
            counts = np.bincount(kinds[kinds >= 0], minlength=len(self.capacities))
            return float(np.minimum(counts, self.capacities).sum())
        coords = self.geometry.coords[cells]
        d = np.sqrt(((coords[:, None] - coords[None]) ** 2).sum(-1))
        k = matern52(d, self.gp_lengthscale)
        _, logdet = np.linalg.slogdet(np.eye(len(cells)) + k / self.gp_noise)
        return float(0.5 * logdet)

    def singleton_values(self) -> np.ndarray:
        """F({s}) for every cell s: the per-step reward of the modular baseline (which
        adds it up at every visit, repeats included)."""
        if "singleton" not in self._cache:
            if self.objective == "coverage":
                v = self.weights[self.geometry.footprint].sum(1)
            elif self.objective == "items":
                v = ((self.item_kind >= 0)
                     & (self.capacities[np.maximum(self.item_kind, 0)] > 0)).astype(float)
            else:
                v = np.full(self.n_cells, 0.5 * math.log1p(1.0 / self.gp_noise))
            v = np.where(self.geometry.walls, 0.0, v)
            v.setflags(write=False)
            self._cache["singleton"] = v
        return self._cache["singleton"]

    def max_value(self) -> float:
        """F of every free cell: an upper bound of F(tau) (the normaliser of F_normalised)."""
        if "max" not in self._cache:
            if self.objective == "coverage":
                self._cache["max"] = float(self.weights[:-1].sum())
            elif self.objective == "items":
                counts = np.bincount(self.item_kind[self.item_kind >= 0],
                                     minlength=len(self.capacities))
                self._cache["max"] = float(np.minimum(counts, self.capacities).sum())
            else:  # information: a horizon-long path covers at most `horizon` cells
                self._cache["max"] = float(self.information_bound())
        return self._cache["max"]

    def information_bound(self) -> float:
        """For the information objective: the horizon times the largest one-cell gain
        (``H/2 log(1 + 1/noise)``), an upper bound of F(tau) by submodularity."""
        return self.horizon * 0.5 * math.log1p(1.0 / self.gp_noise)

    def countable(self) -> np.ndarray:
        """The cells coverage_fraction counts (bool, N): the item cells for items, the free
        cells otherwise."""
        if "countable" not in self._cache:
            mask = self.item_kind >= 0 if self.objective == "items" else ~self.geometry.walls
            mask.setflags(write=False)
            self._cache["countable"] = (mask, max(1, int(mask.sum())))
        return self._cache["countable"][0]

    def coverage_fraction(self, covered: np.ndarray) -> float:
        """The share of countable cells that the map ``covered`` marks."""
        mask = self.countable()
        return float(np.count_nonzero(covered[mask])) / self._cache["countable"][1]

    # ----------------------------------------------------------------- states
    def trajectory_state(self) -> TrajectoryState:
        """An empty incremental state for one trajectory."""
        return TrajectoryState(self)

    def batched_state(self, batch: int) -> BatchedState:
        """An empty incremental state for ``batch`` trajectories on this instance."""
        return BatchedState.for_problems([self] * batch)


def project(col: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``sum_j col[:, j] * u[:, j, :]`` per row: one stacked matmul, whose per-row product
    is the same for one trajectory and for a batch (bit-identical, which the vector env's
    equality with SyncVectorEnv needs; tests/submodular checks it)."""
    if u.shape[1] == 0:
        return np.zeros((u.shape[0], u.shape[2]))
    return np.matmul(np.ascontiguousarray(col)[:, None, :], u)[:, 0]


class TrajectoryState:
    """F of one growing trajectory, with O(footprint) (coverage, items) or O(h N)
    (information) marginal gains: never recomputed from scratch.  Pure Python lists for
    the scalar hot path.  ``covered`` (int8, N) is the map the observation shows."""

    def __init__(self, problem: SubmodularProblem):
        self.problem = problem
        self.objective = problem.objective
        n = problem.n_cells
        self.value = 0.0
        self.covered = np.zeros(n, dtype=np.int8)
        self._visited = bytearray(n)
        if self.objective == "coverage":
            self._weights = problem._cache.get("w_list")
            if self._weights is None:
                self._weights = problem._cache["w_list"] = problem.weights.tolist()
            self._footprint = problem._cache.get("fp_lists")
            if self._footprint is None:
                self._footprint = [[u for u in row if u < n]
                                   for row in problem.geometry.footprint.tolist()]
                problem._cache["fp_lists"] = self._footprint
            self._cov = bytearray(n)
        elif self.objective == "items":
            self._kind = problem.item_kind.tolist()
            self._caps = problem.capacities.tolist()
            self._counts = [0] * len(self._caps)
        else:
            self._u = np.zeros((problem.horizon + 1, n))
            self._h = 0
            self._var = np.ones(n)

    def visited(self, cell: int) -> bool:
        return bool(self._visited[cell])

    def gain(self, cell: int) -> float:
        """F(S + cell) - F(S), without adding."""
        if self.objective == "coverage":
            cov, w = self._cov, self._weights
            return sum(w[u] for u in self._footprint[cell] if not cov[u])
        if self._visited[cell]:
            return 0.0
        if self.objective == "items":
            k = self._kind[cell]
            return 1.0 if k >= 0 and self._counts[k] < self._caps[k] else 0.0
        return float(0.5 * np.log1p(np.maximum(self._var[cell], 0.0) / self.problem.gp_noise))

    def add(self, cell: int) -> float:
        """Add ``cell`` to the visited set; returns the marginal gain."""
        cell = int(cell)
        if self.objective == "coverage":
            cov, w, covered = self._cov, self._weights, self.covered
            g = 0.0
            for u in self._footprint[cell]:
                if not cov[u]:
                    cov[u] = 1
                    covered[u] = 1
                    g += w[u]
        elif self._visited[cell]:
            g = 0.0
        elif self.objective == "items":
            k = self._kind[cell]
            g = 0.0
            if k >= 0:
                if self._counts[k] < self._caps[k]:
                    g = 1.0
                self._counts[k] += 1
            self.covered[cell] = 1
        else:
            g = self.gain(cell)
            h, u = self._h, self._u
            row = self.problem.kernel_row(cell) - project(u[None, :h, cell], u[None, :h])[0]
            u[h] = row / np.sqrt(np.maximum(self._var[cell], 0.0) + self.problem.gp_noise)
            self._var -= u[h] * u[h]
            self._h = h + 1
            self.covered[cell] = 1
        self._visited[cell] = 1
        self.value += g
        return g

    def copy(self) -> TrajectoryState:
        other = TrajectoryState.__new__(TrajectoryState)
        other.__dict__.update(self.__dict__)
        other.covered = self.covered.copy()
        other._visited = bytearray(self._visited)
        if self.objective == "coverage":
            other._cov = bytearray(self._cov)
        elif self.objective == "items":
            other._counts = list(self._counts)
        else:
            other._u = self._u.copy()
            other._var = self._var.copy()
        return other


class BatchedState:
    """F of ``B`` growing trajectories in numpy, each on its own instance (same geometry and
    objective): what the vector env and the learning agents' simulators step."""

    def __init__(self, problems: list[SubmodularProblem], exact: bool = False):
        #: information objective: update row by row, bit-identical to TrajectoryState (the
        #: vector env needs it; training does not and takes the stacked product)
        self.exact = exact
        first = problems[0]
        self.objective = first.objective
        self.geometry = first.geometry
        self.n = first.n_cells
        self.batch = len(problems)
        self.horizon = first.horizon
        self.noise = first.gp_noise
        self.lengthscale = first.gp_lengthscale
        self.rows = np.arange(self.batch)
        self.weights = np.stack([p.weights for p in problems])          # (B, N+1)
        self.item_kind = np.stack([p.item_kind for p in problems])      # (B, N)
        self.capacities = np.stack([p.capacities for p in problems])    # (B, K)
        self.clear(np.ones(self.batch, dtype=bool))

    @classmethod
    def for_problems(cls, problems: list[SubmodularProblem], exact: bool = False
                     ) -> BatchedState:
        return cls(problems, exact)

    def clear(self, mask: np.ndarray) -> None:
        """Empty the visited sets of the rows in ``mask``."""
        b, n = self.batch, self.n
        if not hasattr(self, "visited"):
            self.visited = np.zeros((b, n), dtype=bool)
            self.covered = np.zeros((b, n + 1), dtype=bool)
            self.value = np.zeros(b)
            if self.objective == "items":
                k = self.capacities.shape[1]
                self.counts = np.zeros((b, k + 1), dtype=np.int64)
            if self.objective == "information":
                self.u = np.zeros((b, self.horizon + 1, n))
                self.var = np.ones((b, n))
                self.h = np.zeros(b, dtype=np.int64)
            return
        self.visited[mask] = False
        self.covered[mask] = False
        self.value[mask] = 0.0
        if self.objective == "items":
            self.counts[mask] = 0
        if self.objective == "information":
            self.u[mask] = 0.0
            self.var[mask] = 1.0
            self.h[mask] = 0

    def replace(self, index: int, problem: SubmodularProblem) -> None:
        """Put a new instance in row ``index`` (and empty it)."""
        self.weights[index] = problem.weights
        self.item_kind[index] = problem.item_kind
        self.capacities[index] = problem.capacities
        mask = np.zeros(self.batch, dtype=bool)
        mask[index] = True
        self.clear(mask)

    def add(self, cells: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
        """Add ``cells[b]`` to row ``b`` (only rows in ``active``); the marginal gains (B,)."""
        cells = np.asarray(cells, dtype=np.int64)
        rows = self.rows if active is None else np.flatnonzero(active)
        c = cells[rows]
        gains = np.zeros(self.batch)
        if self.objective == "coverage":
            fp = self.geometry.footprint[c]                        # (R, K)
            r = rows[:, None]
            new = ~self.covered[r, fp]
            # a footprint row lists distinct cells (pad = N has weight 0); summed column by
            # column, the order of TrajectoryState, so both give bit-identical gains
            w = np.where(new, self.weights[r, fp], 0.0)
            g = np.zeros(len(rows))
            for k in range(fp.shape[1]):
                g += w[:, k]
            self.covered[r, fp] = True
        elif self.objective == "items":
            fresh = ~self.visited[rows, c]
            kind = self.item_kind[rows, c]
            k_col = np.where(kind >= 0, kind, self.capacities.shape[1])
            caps = np.concatenate([self.capacities, np.zeros((self.batch, 1), np.int64)], 1)
            below = self.counts[rows, k_col] < caps[rows, k_col]
            take = fresh & (kind >= 0)
            g = (take & below).astype(float)
            self.counts[rows, k_col] += take
            self.covered[rows, c] = True
        else:
            fresh = ~self.visited[rows, c]
            var_c = np.maximum(self.var[rows, c], 0.0)
            g = np.where(fresh, 0.5 * np.log1p(var_c / self.noise), 0.0)
            sel = rows[fresh]
            if sel.size:
                cs = cells[sel]
                hs = self.h[sel]
                k_row = kernel_matrix(self.geometry, self.lengthscale)[cs]     # (S, N)
                if self.exact:  # row by row, as TrajectoryState computes it
                    proj = np.concatenate([
                        project(self.u[i, None, :hi, ci], self.u[i, None, :hi])
                        for i, hi, ci in zip(sel.tolist(), hs.tolist(), cs.tolist())])
                else:  # every row at once on a view (no copy of u), then the fresh ones
                    top = int(hs.max())
                    u = self.u[:, :top]
                    proj = project(u[self.rows, :, cells], u)[sel]
                new_u = (k_row - proj) / np.sqrt(np.maximum(self.var[sel, cs], 0.0)
                                                 + self.noise)[:, None]
                self.u[sel, hs] = new_u
                self.var[sel] -= new_u * new_u
                self.h[sel] = hs + 1
            self.covered[rows, c] = True
        self.visited[rows, c] = True
        gains[rows] = g
        self.value += gains
        return gains
