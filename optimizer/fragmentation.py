"""Stranded scarce resources: GPUs a host still has free but can no longer serve, because the
vCPUs or memory a GPU workload brings with it are gone (the fragmentation of the ATC'23 paper
"Beware of Fragmentation", whose FGD placement picks the host where a pod adds least of it).

Here the measure is aggregated per host, as the contract is: at a ratio of other resources per
unit of the scarce one (what the GPU workloads ask, on average), the free scarce units beyond what
the host's free other resources can accompany are stranded.
"""

from __future__ import annotations

import numpy as np


def gpu_ratio(dem: np.ndarray, scarce: np.ndarray) -> np.ndarray:
    """Per resource, the average amount the workloads that need a scarce resource ask per unit of
    it (0 for the scarce resources themselves, and when no workload needs one)."""
    out = np.zeros(dem.shape[1] if dem.ndim == 2 else 0)
    if dem.size == 0 or not scarce.any():
        return out
    need = dem[:, scarce].sum(axis=1)
    users = need > 0
    if not users.any():
        return out
    out[~scarce] = dem[users][:, ~scarce].sum(axis=0) / need[users].sum()
    return out


def stranded(free: np.ndarray, scarce: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """Per host (rows of `free`), the scarce units its free other resources cannot accompany at
    `ratio` (summed over scarce resources; 0 where a host has none free)."""
    if not scarce.any():
        return np.zeros(len(free))
    spare = free[:, scarce].sum(axis=1)
    other = ~scarce & (ratio > 0)
    if not other.any():
        return np.zeros(len(free))
    serve = (np.maximum(free[:, other], 0.0) / ratio[other]).min(axis=1)
    return np.maximum(spare - serve, 0.0)
