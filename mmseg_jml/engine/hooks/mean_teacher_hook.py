r"""EMA teacher updates with AugSeg's schedule."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

__all__ = ['MeanTeacherHook', 'augseg_ema_decay']


def augseg_ema_decay(iteration: int, copy_iters: int,
                     max_decay: float = 0.999) -> float:
    r"""AugSeg's EMA decay after (0-based) training iteration :math:`t`.

    .. math::

        d_t = \begin{cases}
            0 & t < T_c \quad \text{(the teacher copies the student)} \\
            \min\bigl(1 - \frac{1}{t + 1},\ d_{\max}\bigr) & t \ge T_c
        \end{cases}

    with :math:`T_c` = ``copy_iters`` (AugSeg: one epoch of iterations).

    Args:
        iteration (int): :math:`t \ge 0`.
        copy_iters (int): :math:`T_c \ge 0`.
        max_decay (float): :math:`d_{\max} \in [0, 1]`. Defaults to 0.999.

    Returns:
        float: The decay :math:`d_t`.
    """
    if iteration < copy_iters:
        return 0.0
    return min(1.0 - 1.0 / (iteration + 1), max_decay)


@HOOKS.register_module()
class MeanTeacherHook(Hook):
    r"""Update the EMA teacher of a
    :class:`~mmseg_jml.models.segmentors.SemiEncoderDecoder` after every
    training iteration.

    After iteration :math:`t` (0-based, ``runner.iter``), the teacher
    becomes :math:`d_t\,\theta_T + (1 - d_t)\,\theta_S` with
    :func:`augseg_ema_decay`, parameters and (with ``buffers``) BN
    buffers alike. :math:`T_c` is ``copy_epochs`` epochs of
    ``len(runner.train_dataloader)`` iterations (the epoch of the sampler,
    also under an iteration-based loop) unless ``copy_iters`` is given.
    Before training starts from iteration 0 the teacher is set to the
    student; a resumed run keeps the checkpoint's teacher. The hook holds no
    state of its own, so a resumed run continues exactly.

    Args:
        max_decay (float): :math:`d_{\max}` in [0, 1]. Defaults to 0.999.
        copy_epochs (int): Epochs during which the teacher copies the
            student. Defaults to 1 (AugSeg).
        copy_iters (int, optional): :math:`T_c` in iterations; overrides
            ``copy_epochs``. Defaults to None.
        buffers (bool): Whether buffers follow the EMA as well. Defaults to
            True (AugSeg).
        interval (int): Update every ``interval`` iterations. Defaults to 1.

    Raises:
        TypeError: On arguments of the wrong type.
        ValueError: On out-of-range values.
    """

    priority = 'NORMAL'

    def __init__(self,
                 max_decay: float = 0.999,
                 copy_epochs: int = 1,
                 copy_iters: Optional[int] = None,
                 buffers: bool = True,
                 interval: int = 1) -> None:
        if isinstance(max_decay, bool) or not isinstance(
                max_decay, (int, float)) or not 0.0 <= max_decay <= 1.0:
            raise ValueError(f'expected max_decay in [0, 1], got '
                             f'{max_decay!r}')
        for name, value, minimum in (('copy_epochs', copy_epochs, 0),
                                     ('interval', interval, 1)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f'expected {name} to be an int, got '
                                f'{type(value).__name__}')
            if value < minimum:
                raise ValueError(f'expected {name} >= {minimum}, got {value}')
        if copy_iters is not None and (isinstance(copy_iters, bool)
                                       or not isinstance(copy_iters, int)
                                       or copy_iters < 0):
            raise ValueError(f'expected copy_iters to be None or an int >= 0, '
                             f'got {copy_iters!r}')
        if not isinstance(buffers, bool):
            raise TypeError(f'expected buffers to be a bool, got '
                            f'{type(buffers).__name__}')
        self.max_decay = float(max_decay)
        self.copy_epochs = copy_epochs
        self.copy_iters = copy_iters
        self.buffers = buffers
        self.interval = interval

    @staticmethod
    def _model(runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        if not hasattr(model, 'update_teacher'):
            raise TypeError(f'expected a model with a teacher '
                            f'(SemiEncoderDecoder), got '
                            f'{type(model).__name__}')
        return model

    def _copy_iters(self, runner) -> int:
        if self.copy_iters is not None:
            return self.copy_iters
        return self.copy_epochs * len(runner.train_dataloader)

    def before_train(self, runner) -> None:
        """Start the teacher as a copy of the student (not on resume)."""
        model = self._model(runner)
        if runner.iter == 0:
            model.copy_student_to_teacher()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """One EMA step after iteration ``runner.iter``."""
        if (runner.iter + 1) % self.interval != 0:
            return
        decay = augseg_ema_decay(runner.iter, self._copy_iters(runner),
                                 self.max_decay)
        self._model(runner).update_teacher(decay, buffers=self.buffers)
