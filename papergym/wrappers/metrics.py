"""``RecordMetrics``: the paper's measures in ``info["episode"]``, for loggers."""

from __future__ import annotations

import time

import gymnasium as gym

__all__ = ["RecordMetrics"]


class RecordMetrics(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Add ``info["episode"]`` at the end of every episode, the way Gymnasium's
    ``RecordEpisodeStatistics`` does (``r`` return, ``l`` length, ``t`` seconds), plus the
    env's ``info["metrics"]`` and ``cumulative_regret`` (the sum of per-step
    ``info["regret"]``, where the env gives it).

    Loggers that read ``info["episode"]`` (SB3's Monitor-style callbacks, W&B) then see
    the paper's own measures next to the return.
    """

    def __init__(self, env: gym.Env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        self._clear()

    def _clear(self) -> None:
        self._start = time.perf_counter()
        self._return, self._length, self._regret, self._has_regret = 0.0, 0, 0.0, False

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._clear()
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._return += float(reward)
        self._length += 1
        if "regret" in info:
            self._regret += float(info["regret"])
            self._has_regret = True
        if terminated or truncated:
            episode = {"r": self._return, "l": self._length,
                       "t": round(time.perf_counter() - self._start, 6)}
            episode.update({k: float(v) for k, v in info.get("metrics", {}).items()})
            if self._has_regret:
                episode["cumulative_regret"] = self._regret
            info = {**info, "episode": episode}
        return obs, reward, terminated, truncated, info
