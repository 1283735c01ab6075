"""Evaluation: fine-grained mIoU and calibration metrics, reliability
diagrams."""
from .metrics import *  # noqa: F401,F403
from .reliability_diagram import save_reliability_diagram  # noqa: F401
