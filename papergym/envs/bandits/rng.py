"""Counter-based uniforms shared by the single and the batched bandit envs.

Each episode draws one 63-bit key from the env's ``np_random`` at reset; the uniform used
at step ``t`` is ``splitmix64(key + t)`` mapped to ``[0, 1)``.  A copy of the batched env
holds its own key, so N copies draw their step randomness in one numpy call and still
reproduce, step for step, N single envs seeded ``seed + i`` (what ``SyncVectorEnv`` does).
"""

from __future__ import annotations

import numpy as np

__all__ = ["binomial_from_uniform", "binomial_scalar", "episode_key", "uniform_scalar",
           "uniforms"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_SCALE = 1.0 / float(1 << 53)


def episode_key(np_random: np.random.Generator) -> np.uint64:
    """The episode's key: one draw from the env's generator."""
    return np.uint64(np_random.integers(0, 2**63 - 1, dtype=np.int64))


def uniforms(key, counter) -> np.ndarray:
    """``splitmix64(key + counter * golden)`` as float64 uniforms in ``[0, 1)`` (elementwise;
    scalars give a 0-d array)."""
    # arrays (at least 1-d) wrap around on overflow silently, as the hash wants
    counter = np.array(counter, dtype=np.uint64, ndmin=1)
    scalar = counter.shape == (1,) and np.ndim(key) == 0
    z = counter * _GOLDEN
    z += np.array(key, dtype=np.uint64, ndmin=1)
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    z >>= _S11
    out = z.astype(np.float64)
    out *= _SCALE
    return out.reshape(()) if scalar else out


_MASK = (1 << 64) - 1
_GOLDEN_INT = 0x9E3779B97F4A7C15
_M1_INT = 0xBF58476D1CE4E5B9
_M2_INT = 0x94D049BB133111EB


def uniform_scalar(key: int, counter: int) -> float:
    """:func:`uniforms` for one (key, counter) in pure Python (the single envs' hot path;
    bit-identical to the numpy version)."""
    z = (key + counter * _GOLDEN_INT) & _MASK
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
    z ^= z >> 31
    return (z >> 11) * _SCALE


try:  # the ufunc behind scipy.stats.binom.ppf (Boost's quantile), without its wrapper
    from scipy.special._ufuncs import _binom_ppf as _ppf
except ImportError:  # pragma: no cover - another scipy layout: the public, slower path
    from scipy.stats import binom as _binom

    _ppf = _binom.ppf


def binomial_from_uniform(u, n, p) -> np.ndarray:
    """Exact Binomial(n, p) draws by inversion of the CDF at ``u`` (vectorised; the
    quantile ``scipy.stats.binom.ppf`` computes).  ``n = 1`` is the Bernoulli ``u < p``."""
    u = np.asarray(u, dtype=np.float64)
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    out = (u < p).astype(np.int64)
    big = n > 1
    if np.any(big):
        k = _ppf(u[big], n[big].astype(np.float64), p[big])
        out[big] = np.clip(np.nan_to_num(k, nan=0.0), 0, n[big]).astype(np.int64)
    return out


def binomial_scalar(u: float, n: int, p: float) -> int:
    """:func:`binomial_from_uniform` for one draw (same quantile function, same result)."""
    if n == 1:
        return 1 if u < p else 0
    k = float(_ppf(u, float(n), p))
    if k != k:  # NaN
        return 0
    return int(min(max(k, 0.0), n))
