"""Library utilities every family shares: argument checks (:mod:`papergym.utils.checks`)
and the contract checker (:mod:`papergym.utils.env_checker`, imported on demand: it loads
Stable-Baselines3)."""
