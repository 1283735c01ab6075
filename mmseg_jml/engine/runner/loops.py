"""Validation of both models of a teacher-student segmentor."""
from typing import Dict

from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop
from mmseg.registry import LOOPS

__all__ = ['TeacherStudentValLoop']


@LOOPS.register_module()
class TeacherStudentValLoop(ValLoop):
    """Evaluate the teacher, then the student (MMDetection's loop, for
    MMSeg).

    The model's ``predict_on`` is switched for each pass and restored after;
    the metrics are logged as ``teacher/<metric>`` and
    ``student/<metric>`` (e.g. ``save_best='teacher/mIoU'``).
    """

    def run(self) -> Dict[str, float]:
        """Run both validation passes.

        Returns:
            dict[str, float]: The prefixed metrics of both models.

        Raises:
            TypeError: If the model has no ``predict_on`` switch.
        """
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        model = self.runner.model
        if is_model_wrapper(model):
            model = model.module
        if not hasattr(model, 'predict_on'):
            raise TypeError(f'expected a teacher-student model with '
                            f'predict_on, got {type(model).__name__}')
        original = model.predict_on
        metrics: Dict[str, float] = {}
        try:
            for branch in ('teacher', 'student'):
                model.predict_on = branch
                for idx, data_batch in enumerate(self.dataloader):
                    self.run_iter(idx, data_batch)
                result = self.evaluator.evaluate(len(self.dataloader.dataset))
                metrics.update(
                    {f'{branch}/{key}': value
                     for key, value in result.items()})
        finally:
            model.predict_on = original
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics
