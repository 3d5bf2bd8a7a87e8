"""``tf.random``: TensorFlow 1.15's names for the random ops (``tf.random.normal`` is
``tf.random_normal``).  The ops themselves are in ``random_ops.py``, ``random_extra.py`` and
``candidate_sampling.py``; this module only gives them their ``tf.random`` names."""

from __future__ import annotations

from .candidate_sampling import (
                                 fixed_unigram_candidate_sampler,
                                 log_uniform_candidate_sampler,
                                 uniform_candidate_sampler,
)
from .random_extra import categorical, multinomial
from .random_extra import random_shuffle as shuffle
from .random_ops import random_normal as normal
from .random_ops import random_uniform as uniform
from .random_ops import set_random_seed, truncated_normal

__all__ = [
                                 "categorical",
                                 "fixed_unigram_candidate_sampler",
                                 "log_uniform_candidate_sampler",
                                 "multinomial",
                                 "normal",
                                 "set_random_seed",
                                 "shuffle",
                                 "truncated_normal",
                                 "uniform",
                                 "uniform_candidate_sampler",
]
