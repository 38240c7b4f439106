"""``render_mode="rgb_array"``: the weight map, the covered cells and the path, in numpy."""

from __future__ import annotations

import numpy as np

from papergym.envs.submodular.problem import SubmodularProblem

__all__ = ["draw"]

CELL_PX = 12


def draw(problem: SubmodularProblem, covered: np.ndarray, path: list[int]) -> np.ndarray:
    """An RGB image (uint8, rows * 12 x cols * 12 x 3): weights in shades of green (item
    cells for the items objective), covered cells tinted blue, walls black, the path in
    orange, the start outlined white and the agent red."""
    g = problem.geometry
    rows, cols = g.rows, g.cols
    if problem.objective == "items":
        base = (problem.item_kind >= 0).astype(float) * 0.8
    elif problem.objective == "information":
        base = np.full(problem.n_cells, 0.5)
    else:
        w = problem.weights[:-1]
        base = w / w.max() if w.max() > 0 else w
    img = np.empty((problem.n_cells, 3))
    img[:, 0] = 235 - 150 * base
    img[:, 1] = 245 - 60 * base
    img[:, 2] = 235 - 150 * base
    cov = np.asarray(covered, dtype=bool)
    img[cov] = img[cov] * 0.55 + np.array([60.0, 110.0, 230.0]) * 0.45
    img[g.walls] = 0.0
    for c in path:
        img[c] = (245.0, 150.0, 40.0)
    img[path[-1]] = (220.0, 30.0, 30.0)
    grid = img.reshape(rows, cols, 3).astype(np.uint8)
    big = np.repeat(np.repeat(grid, CELL_PX, axis=0), CELL_PX, axis=1)
    big[::CELL_PX, :, :] = 200
    big[:, ::CELL_PX, :] = 200
    r0, c0 = divmod(int(problem.start), cols)
    y, x = r0 * CELL_PX, c0 * CELL_PX
    big[y:y + CELL_PX, x, :] = 255
    big[y:y + CELL_PX, x + CELL_PX - 1, :] = 255
    big[y, x:x + CELL_PX, :] = 255
    big[y + CELL_PX - 1, x:x + CELL_PX, :] = 255
    return big
