"""Samplers of semi-supervised training."""
from .multi_source_sampler import EpochMultiSourceSampler, source_counts

__all__ = ['EpochMultiSourceSampler', 'source_counts']
