"""Run several branch pipelines on one loaded sample (MMDetection's
``MultiBranch``, for MMSeg)."""
import copy
from typing import Dict, List, Optional, Sequence

from mmcv.transforms import BaseTransform, Compose
from mmseg.registry import TRANSFORMS

__all__ = ['MultiBranch']


@TRANSFORMS.register_module()
class MultiBranch(BaseTransform):
    """Pack one sample into several named branches.

    Each pipeline of ``branch_pipelines`` runs on a deep copy of the results
    (everything before this transform -- loading, resizing, cropping,
    flipping -- is therefore shared, and the branches are pixel-aligned) and
    must end in a packing transform (``PackSegInputs``). The output is
    ``{'inputs': {branch: ...}, 'data_samples': {branch: ...}}`` over
    ``branch_field``, with None for the branches this sample does not fill.
    A labelled pipeline fills ``sup``; an unlabelled one ``unsup_teacher``
    (weak view) and ``unsup_student`` (strong view), and loads no label.

    Args:
        branch_field (Sequence[str]): Every branch name of the batch, e.g.
            ``['sup', 'unsup_teacher', 'unsup_student']``.
        branch_pipelines (dict[str, list[dict]]): Branch name -> the
            transform configs of that branch.

    Raises:
        TypeError: On arguments of the wrong type.
        ValueError: If a pipeline names a branch outside ``branch_field`` or
            ``branch_field`` has duplicates.
    """

    def __init__(self, branch_field: Sequence[str],
                 branch_pipelines: Dict[str, List[dict]]) -> None:
        if isinstance(branch_field, str) or not all(
                isinstance(b, str) for b in branch_field):
            raise TypeError(f'expected branch_field to be a list of str, got '
                            f'{branch_field!r}')
        if len(set(branch_field)) != len(branch_field) or not branch_field:
            raise ValueError(f'expected distinct branch names, got '
                             f'{list(branch_field)}')
        if not isinstance(branch_pipelines, dict) or not branch_pipelines:
            raise TypeError(f'expected branch_pipelines to be a non-empty dict'
                            f', got {type(branch_pipelines).__name__}')
        unknown = sorted(set(branch_pipelines) - set(branch_field))
        if unknown:
            raise ValueError(f'expected branch_pipelines keys in '
                             f'{list(branch_field)}, got {unknown}')
        self.branch_field = list(branch_field)
        self.branch_pipelines = {
            name: Compose(pipeline)
            for name, pipeline in branch_pipelines.items()
        }

    def transform(self, results: dict) -> Optional[dict]:
        """Run every branch pipeline on a copy of ``results``.

        Args:
            results (dict): The loaded and geometrically augmented sample.

        Returns:
            dict | None: ``{'inputs': {...}, 'data_samples': {...}}``, or
            None if a branch pipeline dropped the sample.

        Raises:
            ValueError: If a branch pipeline does not pack its output.
        """
        inputs: Dict[str, object] = {b: None for b in self.branch_field}
        samples: Dict[str, object] = {b: None for b in self.branch_field}
        for name, pipeline in self.branch_pipelines.items():
            packed = pipeline(copy.deepcopy(results))
            if packed is None:
                return None
            if not isinstance(packed, dict) or 'inputs' not in packed:
                raise ValueError(f'expected the {name!r} pipeline to end in '
                                 f'a packing transform (PackSegInputs), got '
                                 f'keys {sorted(packed)}')
            inputs[name] = packed['inputs']
            samples[name] = packed['data_samples']
        return dict(inputs=inputs, data_samples=samples)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(branch_field={self.branch_field}, '
                f'branches={list(self.branch_pipelines)})')
