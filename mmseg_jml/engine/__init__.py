"""Training machinery of semi-supervised segmentation: the mean-teacher
hook and the teacher-student validation loop."""
from .hooks import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
