"""Shared set-up of the loss tests: one thread, and importing mmseg_jml
(which must precede ``import mmseg.models``)."""
import sys
from pathlib import Path

import torch

import mmseg_jml  # noqa: F401  (installs the mmcv.ops stand-in first)

torch.set_num_threads(1)
# make ``_reference`` importable without __init__ files (rootdir-style)
sys.path.insert(0, str(Path(__file__).parent))
