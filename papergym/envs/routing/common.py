"""What both PVRP envs share: argument checks, the reset options, the route drawing."""

from __future__ import annotations

from typing import Any

import numpy as np

from papergym.envs.routing.generators import DISTRIBUTIONS, PVRPInstance, check_instance
from papergym.envs.routing.state import PVRPState
from papergym.utils.checks import (
    check_choice,
    check_int,
    check_options,
    check_real,
    check_render_mode,
)

__all__ = ["OPTION_KEYS", "check_pvrp_arguments", "instance_option", "render_routes"]

OPTION_KEYS = ("instance", "reference_objective")


def check_pvrp_arguments(n, m, distribution, zones, capacity, speed, time_weight, pref_weight,
                         render_mode, modes) -> dict[str, Any]:
    """The constructor checks both PVRP envs share."""
    out = {"n": check_int("n", n, low=1, high=1000), "m": check_int("m", m, low=1, high=50),
           "distribution": check_choice("distribution", distribution, DISTRIBUTIONS)}
    if not isinstance(zones, (bool, np.bool_)):
        raise ValueError(f"zones must be True or False, got {zones!r}")
    out["zones"] = bool(zones)
    out["capacity"] = check_real("capacity", capacity, low=9.0)    # the largest demand is 9
    out["speed"] = check_real("speed", speed, low=0.0, low_open=True)
    out["time_weight"] = check_real("time_weight", time_weight, low=0.0)
    out["pref_weight"] = check_real("pref_weight", pref_weight, low=0.0)
    out["render_mode"] = check_render_mode(render_mode, modes)
    return out


def instance_option(options: dict | None, n: int, m: int, *, strict: bool = True,
                    env: str = "reset") -> tuple[PVRPInstance | None, float | None]:
    """The instance and reference objective in ``options`` (checked by ``check_options``
    for ``env``). Unknown keys are a ValueError, or, with ``strict=False`` (the PettingZoo
    env: its API test passes arbitrary options), a warning with the same message."""
    if strict or not isinstance(options, dict):
        options = check_options(options, OPTION_KEYS, env)
    else:
        try:
            check_options(options, OPTION_KEYS, env)
        except ValueError as exc:
            import warnings

            warnings.warn(f"{exc} (ignored)", stacklevel=3)
    inst = (options or {}).get("instance")
    if inst is not None:
        if not isinstance(inst, PVRPInstance):
            raise ValueError(f"options['instance'] must be a PVRPInstance, got "
                             f"{type(inst).__name__}")
        if (inst.n, inst.m) != (n, m):
            raise ValueError(f"options['instance'] has n={inst.n}, m={inst.m}; this env "
                             f"was made with n={n}, m={m}")
        check_instance(inst)
    ref = (options or {}).get("reference_objective")
    return inst, None if ref is None else float(ref)


def render_routes(state: PVRPState, title: str = "") -> np.ndarray:
    """An RGB image of the instance and every vehicle's route (one colour per vehicle)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    inst = state.inst
    fig = Figure(figsize=(4, 4), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.scatter(*inst.locs[1:].T, s=8 + 3 * inst.demand[1:], c="lightgrey", edgecolors="grey")
    ax.scatter(*inst.locs[0], marker="s", s=60, c="k")
    colours = matplotlib.colormaps["tab10"]
    for k, route in enumerate(state.routes):
        path = inst.locs[[0, *route]]
        ax.plot(*path.T, c=colours(k % 10), lw=1.2, label=f"vehicle {k}")
    ax.set(xlim=(0, 1), ylim=(0, 1), xticks=[], yticks=[], title=title)
    ax.legend(loc="upper right", fontsize=6)
    fig.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
