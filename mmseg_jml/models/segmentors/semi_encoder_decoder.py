r"""Mean-teacher semi-supervised segmentation (AugSeg, and JML-SSL on top).

:class:`SemiEncoderDecoder` is the MMSeg counterpart of MMDetection's
``SemiBaseDetector``: a student trained on a labelled and an unlabelled
batch, and an exponential-moving-average (EMA) teacher of the same
architecture that labels the unlabelled batch.

Where the two models live
    The segmentor *is* the student (an ordinary
    :class:`~mmseg.models.segmentors.EncoderDecoder`: its keys, its
    ``decode_head``, its ``paramwise_cfg`` names). The teacher is a plain
    ``EncoderDecoder`` kept outside the module tree (a plain attribute, as in
    :class:`~mmseg_jml.models.segmentors.DistillEncoderDecoder`): it is not in
    ``parameters()`` (so not in the optimizer, not synchronised by DDP), not
    switched by ``train()`` (always eval: BN uses running statistics) and
    has no gradients. It *is* in the state dict, under ``teacher.``, so a
    checkpoint holds both models and resuming restores both; a plain
    ``EncoderDecoder`` checkpoint (``load_from``) loads into both. Device and
    dtype conversions are passed on to it. :func:`plain_state_dict` turns
    either model back into a plain ``EncoderDecoder`` checkpoint.

One training step (inputs and samples come as branches, see
:class:`~mmseg_jml.models.data_preprocessors.MultiBranchDataPreprocessor`)
    ``sup`` (labelled, weak geometric augmentation), ``unsup_teacher``
    (unlabelled weak view) and ``unsup_student`` (the same crop after the
    strong intensity operations, pixel-aligned with the weak view; neither
    unlabelled branch may carry a label).

    1. The teacher predicts the weak view (logits resized to the input
       size, softmax): pseudo label :math:`\hat y`, pixel confidence
       :math:`m`, image confidence :math:`c_i`
       (:mod:`~mmseg_jml.models.segmentors.pseudo_label`).
    2. Adaptive label-aided CutMix mixes the strong images, :math:`\hat y`,
       :math:`m` and (for the soft losses) the teacher's probabilities by
       the same boxes; pasted labelled regions carry the ground truth,
       confidence 1 and the one-hot (or ``soft_label_transform`` -ed)
       ground truth.
    3. The student runs once on ``concat([labelled, mixed])`` (BN sees both,
       as in AugSeg). Every head computes its ground-truth losses on the
       labelled part (``decode.*``, ``aux.*``: the head's ``loss_decode``,
       e.g. CE + JML with BLS). The decode head's logits of the mixed part
       (resized to the input size) go to

       - each ``unsup_hard_losses`` term, with the mixed pseudo label
         where :math:`m \ge` ``conf_thresh`` and the ignore index
         elsewhere; with ``hard_loss_reduction='all_pixels'`` (AugSeg) the
         loss is multiplied by the kept-pixel fraction, i.e. averaged over
         all pixels instead of the kept ones;
       - each ``unsup_soft_losses`` term, with the mixed soft target
         (teacher probabilities; ground truth in pasted regions, whose
         ignored pixels get weight 0); with ``soft_loss_conf_mask`` the
         confidence mask weights these terms too.

       They are logged as ``unsup.<loss_name>``, with ``unsup.kept_ratio``.

A batch without unlabelled branches (or a plain tensor batch) is a
labelled batch: the student's ``EncoderDecoder`` losses.
"""
from typing import (Callable, Dict, List, Literal, Optional, Sequence, Tuple,
                    Union)

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         SampleList, add_prefix)
from torch import Tensor, nn

from ..losses.target_transform import TargetTransform, build_target_transform
from ..losses.validation import check_choice, check_real
from ..utils.soft_loss import (LossConfigs, accepts_soft_target,
                               build_named_losses, loss_heads)
from .pseudo_label import (adaptive_label_cutmix, image_confidence,
                           pseudo_label_confidence)

__all__ = [
    'SemiEncoderDecoder', 'ema_update_', 'plain_state_dict',
    'plain_model_config'
]

Branch = Literal['student', 'teacher']

#: Branch names of the multi-branch batch (MMDetection's convention).
SUP, UNSUP_TEACHER, UNSUP_STUDENT = 'sup', 'unsup_teacher', 'unsup_student'
TEACHER_PREFIX = 'teacher.'
#: Keys of a SemiEncoderDecoder config that a plain EncoderDecoder lacks.
SEMI_KEYS = ('unsup_hard_losses', 'unsup_soft_losses', 'conf_thresh',
             'hard_loss_reduction', 'soft_loss_conf_mask',
             'soft_label_transform', 'cutmix', 'cutmix_adaptive',
             'cutmix_beta_labeled', 'cutmix_beta_unlabeled', 'predict_on')


@torch.no_grad()
def ema_update_(target: nn.Module,
                source: nn.Module,
                decay: float,
                buffers: bool = True) -> None:
    r"""In-place exponential moving average of ``source`` into ``target``.

    .. math::

        \theta_t \leftarrow d\,\theta_t + (1 - d)\,\theta_s

    for every parameter and (if ``buffers``) every floating buffer (e.g. BN
    running mean and variance); integer buffers (BN's
    ``num_batches_tracked``) are copied. ``decay = 0`` copies.

    Args:
        target (nn.Module): The averaged model (the teacher).
        source (nn.Module): The trained model (the student), of the same
            architecture.
        decay (float): :math:`d \in [0, 1]`.
        buffers (bool): Whether buffers are averaged as well. Defaults to
            True.

    Raises:
        ValueError: If ``decay`` is outside [0, 1] or the two state dicts
            differ in keys or shapes.
    """
    decay = check_real('decay', decay, 0.0, 1.0)
    pairs: List[Tuple[str, Tensor, Tensor]] = []
    source_params = dict(source.named_parameters())
    for name, param in target.named_parameters():
        pairs.append((name, param, source_params.get(name)))
    if buffers:
        source_buffers = dict(source.named_buffers())
        for name, buffer in target.named_buffers():
            pairs.append((name, buffer, source_buffers.get(name)))
    for name, dst, src in pairs:
        if src is None or src.shape != dst.shape:
            raise ValueError(
                f'expected teacher and student of the same architecture, got '
                f'{name!r} with shape {tuple(dst.shape)} in the teacher and '
                f'{None if src is None else tuple(src.shape)} in the student')
        if not dst.is_floating_point() or decay == 0.0:
            dst.copy_(src)
        else:
            dst.mul_(decay).add_(src.detach().to(dst.dtype), alpha=1 - decay)


def plain_state_dict(state_dict: Dict[str, Tensor],
                     branch: Branch = 'teacher') -> Dict[str, Tensor]:
    """The student's or the teacher's weights as a plain ``EncoderDecoder``
    state dict.

    Args:
        state_dict (dict[str, Tensor]): A :class:`SemiEncoderDecoder` state
            dict (``module.`` prefixes of DDP are accepted).
        branch (str): ``'teacher'`` or ``'student'``. Defaults to
            ``'teacher'``.

    Returns:
        dict[str, Tensor]: The chosen model's keys, without the
        ``teacher.`` prefix.

    Raises:
        ValueError: On an unknown ``branch`` or a state dict without
            teacher keys.
    """
    check_choice('branch', branch, ('student', 'teacher'))
    state = {
        key[len('module.'):] if key.startswith('module.') else key: value
        for key, value in state_dict.items()
    }
    teacher = {
        key[len(TEACHER_PREFIX):]: value
        for key, value in state.items() if key.startswith(TEACHER_PREFIX)
    }
    if not teacher:
        raise ValueError('expected a SemiEncoderDecoder state dict (keys '
                         "starting with 'teacher.'), got none")
    if branch == 'teacher':
        return teacher
    return {
        key: value
        for key, value in state.items() if not key.startswith(TEACHER_PREFIX)
    }


def plain_model_config(model_cfg: dict) -> dict:
    """A plain ``EncoderDecoder`` model config from a
    :class:`SemiEncoderDecoder` one.

    Drops the semi-supervised keys and unwraps a
    ``MultiBranchDataPreprocessor`` to the preprocessor it wraps.

    Args:
        model_cfg (dict): The ``model`` entry of a semi-supervised config.

    Returns:
        dict: A new config dict of type ``'EncoderDecoder'``.

    Raises:
        ValueError: If ``model_cfg`` is not a ``SemiEncoderDecoder`` config.
    """
    if not isinstance(model_cfg, dict) or model_cfg.get(
            'type') != 'SemiEncoderDecoder':
        raise ValueError(f'expected a SemiEncoderDecoder model config, got '
                         f'{model_cfg.get("type") if isinstance(model_cfg, dict) else type(model_cfg).__name__}')  # noqa: E501
    plain = {k: v for k, v in model_cfg.items() if k not in SEMI_KEYS}
    plain['type'] = 'EncoderDecoder'
    preprocessor = plain.get('data_preprocessor')
    if isinstance(preprocessor, dict) and preprocessor.get(
            'type') == 'MultiBranchDataPreprocessor':
        plain['data_preprocessor'] = preprocessor['data_preprocessor']
    return plain


def _check_beta(name: str, value: Sequence[float]) -> Tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise TypeError(f'expected {name} to be a pair of reals, got '
                        f'{value!r}')
    return (check_real(f'{name}[0]', value[0], 0.0, strict_minimum=True),
            check_real(f'{name}[1]', value[1], 0.0, strict_minimum=True))


def _check_bool(name: str, value: bool) -> bool:
    if not isinstance(value, bool):
        raise TypeError(
            f'expected {name} to be a bool, got {type(value).__name__}')
    return value


@MODELS.register_module()
class SemiEncoderDecoder(EncoderDecoder):
    """Student ``EncoderDecoder`` with an EMA teacher (module docstring).

    The teacher follows the student through
    :class:`~mmseg_jml.engine.hooks.MeanTeacherHook` (AugSeg's rule), which
    calls :meth:`update_teacher`.

    Args:
        backbone (ConfigType): Backbone config (student and teacher).
        decode_head (ConfigType): Decode head config; its ``loss_decode``
            is the labelled loss (e.g. CE + JML with BLS). The head must use
            ``BaseDecodeHead.loss_by_feat``.
        neck (OptConfigType): Neck config. Defaults to None.
        auxiliary_head (OptConfigType): Auxiliary head config(s) (labelled
            losses only). Defaults to None.
        train_cfg (OptConfigType): Training config. Defaults to None.
        test_cfg (OptConfigType): Testing config. Defaults to None.
        data_preprocessor (OptConfigType): Data preprocessor config, usually
            a ``MultiBranchDataPreprocessor``. Defaults to None.
        pretrained (str, optional): Pretrained backbone weights (student;
            the teacher starts as a copy). Defaults to None.
        init_cfg (OptMultiConfig): Initialisation config. Defaults to None.
        unsup_hard_losses (dict | list[dict], optional): Losses on the
            confidence-masked hard pseudo labels (e.g. AugSeg's
            ``dict(type='SoftCrossEntropyLoss')``; a ``target_transform``
            such as BLS acts on the pseudo label). Defaults to None (none).
        unsup_soft_losses (dict | list[dict], optional): Losses on the
            teacher's soft probabilities; each must accept soft targets
            (e.g. ``dict(type='JaccardMetricLoss')``). Defaults to None.
        conf_thresh (float): Confidence threshold of the hard pseudo labels,
            in [0, 1]. Defaults to 0.95.
        hard_loss_reduction (str): ``'all_pixels'`` (AugSeg: each hard loss
            times the kept-pixel fraction) or ``'kept_pixels'``. Defaults to
            ``'all_pixels'``.
        soft_loss_conf_mask (bool): Whether the confidence mask also weights
            the soft losses (the paper is silent). Defaults to False.
        soft_label_transform (dict | nn.Module, optional): Target transform
            of the ground truth pasted into the soft target (e.g.
            ``dict(type='BoundaryLabelSmoothing')``); None pastes the
            one-hot ground truth. Defaults to None.
        cutmix (bool): Whether the unlabelled batch is CutMix-ed. Defaults
            to True.
        cutmix_adaptive (bool): Whether labelled patches are injected with
            probability ``1 - c_i`` (AugSeg) rather than always. Defaults to
            True.
        cutmix_beta_labeled (tuple[float, float]): Beta parameters of the
            labelled box area. Defaults to (8.0, 2.0).
        cutmix_beta_unlabeled (tuple[float, float]): Beta parameters of the
            unlabelled box area. Defaults to (4.0, 4.0).
        predict_on (str): Model used by ``predict`` / ``_forward``:
            ``'teacher'`` or ``'student'``. Defaults to ``'teacher'``.

    Raises:
        TypeError: On arguments of the wrong type, a head that is not a
            ``BaseDecodeHead`` using ``loss_by_feat``, or a soft loss that
            does not accept soft targets.
        ValueError: On out-of-range values, unknown choices, losses without
            a ``loss_`` name, duplicated names, or losses with state.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None,
                 unsup_hard_losses: Optional[LossConfigs] = None,
                 unsup_soft_losses: Optional[LossConfigs] = None,
                 conf_thresh: float = 0.95,
                 hard_loss_reduction: Literal['all_pixels',
                                              'kept_pixels'] = 'all_pixels',
                 soft_loss_conf_mask: bool = False,
                 soft_label_transform: TargetTransform = None,
                 cutmix: bool = True,
                 cutmix_adaptive: bool = True,
                 cutmix_beta_labeled: Tuple[float, float] = (8.0, 2.0),
                 cutmix_beta_unlabeled: Tuple[float, float] = (4.0, 4.0),
                 predict_on: Literal['teacher', 'student'] = 'teacher'
                 ) -> None:
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg)
        for _, head in loss_heads(self):
            if not isinstance(head, BaseDecodeHead):
                raise TypeError(
                    f'expected heads that are BaseDecodeHead subclasses '
                    f'(forward + loss_by_feat), got {type(head).__name__}')
        self.conf_thresh = check_real('conf_thresh', conf_thresh, 0.0, 1.0)
        self.hard_loss_reduction = check_choice(
            'hard_loss_reduction', hard_loss_reduction,
            ('all_pixels', 'kept_pixels'))
        self.soft_loss_conf_mask = _check_bool('soft_loss_conf_mask',
                                               soft_loss_conf_mask)
        self.cutmix = _check_bool('cutmix', cutmix)
        self.cutmix_adaptive = _check_bool('cutmix_adaptive', cutmix_adaptive)
        self.cutmix_beta_labeled = _check_beta('cutmix_beta_labeled',
                                               cutmix_beta_labeled)
        self.cutmix_beta_unlabeled = _check_beta('cutmix_beta_unlabeled',
                                                 cutmix_beta_unlabeled)
        self.predict_on = predict_on
        self.unsup_hard_losses = build_named_losses(
            unsup_hard_losses, 'unsup_hard_losses',
            reason='the teacher mirrors the student key by key')
        self.unsup_soft_losses = build_named_losses(
            unsup_soft_losses, 'unsup_soft_losses',
            reason='the teacher mirrors the student key by key')
        for loss in self.unsup_soft_losses:
            if not accepts_soft_target(loss):
                raise TypeError(
                    f'expected unsup_soft_losses that accept soft (N, C, H, '
                    f'W) targets (JaccardMetricLoss, DiceMetricLoss, '
                    f'SoftCrossEntropyLoss, KLDivergenceLoss), got '
                    f'{type(loss).__name__}')
        names = [loss.loss_name for loss in self.unsup_hard_losses] + [
            loss.loss_name for loss in self.unsup_soft_losses
        ]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f'expected distinct loss_name s across '
                             f'unsup_hard_losses and unsup_soft_losses, got '
                             f'{duplicates} more than once')
        self.soft_label_transform = build_target_transform(
            soft_label_transform)
        teacher = EncoderDecoder(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg)
        teacher.requires_grad_(False)
        teacher.eval()
        # A plain attribute, not a submodule: see the module docstring.
        object.__setattr__(self, '_teacher', teacher)
        self.copy_student_to_teacher()

    # ------------------------------------------------------------------
    # construction and the teacher
    # ------------------------------------------------------------------
    @property
    def predict_on(self) -> str:
        """Which model ``predict`` uses: ``'teacher'`` or ``'student'``."""
        return self._predict_on

    @predict_on.setter
    def predict_on(self, value: str) -> None:
        self._predict_on = check_choice('predict_on', value,
                                        ('teacher', 'student'))

    @property
    def teacher(self) -> EncoderDecoder:
        """The EMA teacher (eval mode, no gradients, not a submodule)."""
        return self._teacher

    def copy_student_to_teacher(self) -> None:
        """Set the teacher's parameters and buffers to the student's."""
        ema_update_(self.teacher, self._student_view(), 0.0)

    def update_teacher(self, decay: float, buffers: bool = True) -> None:
        """One EMA step of the teacher, see :func:`ema_update_`.

        Args:
            decay (float): EMA decay in [0, 1] (0 copies the student).
            buffers (bool): Whether buffers follow as well. Defaults to True.
        """
        ema_update_(self.teacher, self._student_view(), decay, buffers)

    def _student_view(self) -> nn.Module:
        """The student's submodules under the teacher's names."""
        view = nn.Module()
        for name in ('backbone', 'neck', 'decode_head', 'auxiliary_head'):
            module = getattr(self, name, None)
            if isinstance(module, nn.Module):
                view.add_module(name, module)
        return view

    def init_weights(self) -> None:
        """Initialise the student, then copy it into the teacher."""
        super().init_weights()
        self.copy_student_to_teacher()

    def _apply(self, fn: Callable, recurse: bool = True) -> 'nn.Module':
        """Apply device/dtype conversions to the teacher as well."""
        super()._apply(fn, recurse)
        teacher = self.__dict__.get('_teacher')
        if teacher is not None:
            teacher._apply(fn)
        return self

    def _save_to_state_dict(self, destination: dict, prefix: str,
                            keep_vars: bool) -> None:
        super()._save_to_state_dict(destination, prefix, keep_vars)
        self.teacher.state_dict(
            destination=destination,
            prefix=prefix + TEACHER_PREFIX,
            keep_vars=keep_vars)

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: List[str],
                              unexpected_keys: List[str],
                              error_msgs: List[str]) -> None:
        """Load the teacher from the ``teacher.`` keys; a plain
        ``EncoderDecoder`` state dict (no such keys) loads into both."""
        teacher_prefix = prefix + TEACHER_PREFIX
        own = {
            k: v
            for k, v in state_dict.items() if not k.startswith(teacher_prefix)
        }
        teacher_state = {
            k[len(teacher_prefix):]: v
            for k, v in state_dict.items() if k.startswith(teacher_prefix)
        }
        duplicated = not teacher_state
        if duplicated:
            teacher_state = {
                k[len(prefix):]: v
                for k, v in own.items() if k.startswith(prefix)
            }
        super()._load_from_state_dict(own, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys,
                                      error_msgs)
        try:
            result = self.teacher.load_state_dict(teacher_state, strict=False)
        except RuntimeError as error:  # shape mismatches
            error_msgs.append(f'teacher: {error}')
            return
        if not duplicated:  # the student reports its own keys otherwise
            missing_keys.extend(teacher_prefix + k
                                for k in result.missing_keys)
            unexpected_keys.extend(teacher_prefix + k
                                   for k in result.unexpected_keys)

    # ------------------------------------------------------------------
    # inference
    # ------------------------------------------------------------------
    def predict(self,
                inputs: Tensor,
                data_samples: OptConfigType = None) -> SampleList:
        """``EncoderDecoder.predict`` of the model named by
        ``predict_on``."""
        if self.predict_on == 'teacher':
            return self.teacher.predict(inputs, data_samples)
        return super().predict(inputs, data_samples)

    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptConfigType = None) -> Tensor:
        """Raw logits of the model named by ``predict_on``."""
        if self.predict_on == 'teacher':
            return self.teacher._forward(inputs, data_samples)
        return super()._forward(inputs, data_samples)

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    def teacher_probs(self, inputs: Tensor) -> Tensor:
        """The teacher's class probabilities at the input size.

        Args:
            inputs (Tensor): (N, 3, H, W) preprocessed weak views.

        Returns:
            Tensor: (N, C, H, W) float32 probabilities, without gradient.
        """
        teacher = self.teacher
        if teacher.training:  # e.g. a user called teacher.train()
            teacher.eval()
        with torch.no_grad():
            logits = teacher.decode_head.forward(teacher.extract_feat(inputs))
            logits = resize(
                logits,
                size=inputs.shape[-2:],
                mode='bilinear',
                align_corners=teacher.decode_head.align_corners)
            return torch.softmax(logits.float(), dim=1)

    def loss(self, inputs: Union[Tensor, Dict[str, Tensor]],
             data_samples: Union[SampleList, Dict[str, SampleList]]
             ) -> Dict[str, Tensor]:
        """Labelled and unlabelled losses of a multi-branch batch.

        Args:
            inputs (Tensor | dict[str, Tensor]): Branch -> (N_b, 3, H, W)
                preprocessed images (``sup``, ``unsup_teacher``,
                ``unsup_student``), or one labelled tensor.
            data_samples (list | dict[str, list]): Branch -> samples (labelled
                ones with ``gt_sem_seg``, unlabelled ones without), or the
                labelled samples.

        Returns:
            dict[str, Tensor]: ``decode.*`` / ``aux*.*`` (labelled) and
            ``unsup.*`` (unlabelled) losses and statistics.

        Raises:
            ValueError: On a batch without labelled samples, unlabelled
                samples with a label, only one unlabelled branch, or
                branches of different sizes.
        """
        if isinstance(inputs, Tensor):
            return super().loss(inputs, data_samples)
        if not isinstance(inputs, dict) or not isinstance(data_samples, dict):
            raise TypeError(f'expected inputs and data_samples to be dicts '
                            f'of branches (or a tensor and a list), got '
                            f'{type(inputs).__name__} and '
                            f'{type(data_samples).__name__}')
        unknown = sorted(set(inputs) - {SUP, UNSUP_TEACHER, UNSUP_STUDENT})
        if unknown:
            raise ValueError(f'expected branches {SUP!r}, {UNSUP_TEACHER!r} '
                             f'and {UNSUP_STUDENT!r}, got {unknown}')
        if SUP not in inputs:
            raise ValueError(f'expected a {SUP!r} (labelled) branch in every '
                             f'batch, got {sorted(inputs)}')
        sup_inputs, sup_samples = inputs[SUP], data_samples[SUP]
        has_teacher, has_student = (UNSUP_TEACHER in inputs,
                                    UNSUP_STUDENT in inputs)
        if has_teacher != has_student:
            raise ValueError(f'expected both unlabelled branches or none, got '
                             f'{sorted(inputs)}')
        if not has_teacher:
            return super().loss(sup_inputs, sup_samples)
        weak, strong = inputs[UNSUP_TEACHER], inputs[UNSUP_STUDENT]
        for branch in (UNSUP_TEACHER, UNSUP_STUDENT):
            if any('gt_sem_seg' in s for s in data_samples[branch]):
                raise ValueError(
                    f'expected unlabelled samples without gt_sem_seg (their '
                    f'labels must never be loaded), got one in {branch!r}')
        if weak.shape != strong.shape:
            raise ValueError(f'expected pixel-aligned weak and strong views '
                             f'of one shape, got {tuple(weak.shape)} and '
                             f'{tuple(strong.shape)}')
        if sup_inputs.shape[1:] != strong.shape[1:]:
            raise ValueError(f'expected labelled and unlabelled images of one '
                             f'size (pad both to the crop size), got '
                             f'{tuple(sup_inputs.shape)} and '
                             f'{tuple(strong.shape)}')
        return self._semi_loss(sup_inputs, sup_samples, weak, strong)

    def _semi_loss(self, sup_inputs: Tensor, sup_samples: SampleList,
                   weak: Tensor, strong: Tensor) -> Dict[str, Tensor]:
        num_classes = self.decode_head.out_channels
        ignore_index = self.decode_head.ignore_index
        probs = self.teacher_probs(weak)
        pseudo, confidence = pseudo_label_confidence(probs)
        with_soft = len(self.unsup_soft_losses) > 0
        gt = torch.stack([s.gt_sem_seg.data[0] for s in sup_samples]).to(
            pseudo.device)
        unlabeled = [strong, pseudo, confidence]
        labeled = [
            sup_inputs,
            gt.long(),
            torch.ones_like(gt, dtype=probs.dtype)
        ]
        if with_soft:
            valid = (gt != ignore_index)
            if self.soft_label_transform is not None:
                soft_gt = self.soft_label_transform(gt.long(), num_classes,
                                                    ignore_index)
            else:
                soft_gt = F.one_hot(
                    torch.where(valid, gt, 0).long(),
                    num_classes).permute(0, 3, 1, 2).to(probs.dtype)
                soft_gt = soft_gt * valid.unsqueeze(1)
            unlabeled += [probs, torch.ones_like(confidence)]
            labeled += [soft_gt.to(probs.dtype), valid.to(probs.dtype)]
        if self.cutmix:
            unlabeled = adaptive_label_cutmix(
                unlabeled,
                labeled,
                image_confidence(probs),
                beta_labeled=self.cutmix_beta_labeled,
                beta_unlabeled=self.cutmix_beta_unlabeled,
                adaptive=self.cutmix_adaptive)
        mixed_images, mixed_pseudo, mixed_conf = unlabeled[:3]
        num_labeled = sup_inputs.shape[0]
        feats = self.extract_feat(torch.cat([sup_inputs, mixed_images]))
        losses: Dict[str, Tensor] = {}
        unsup_logits = None
        for prefix, head in loss_heads(self):
            logits = head.forward(feats)
            losses.update(
                add_prefix(
                    head.loss_by_feat(logits[:num_labeled], sup_samples),
                    prefix))
            if prefix == 'decode':
                unsup_logits = resize(
                    logits[num_labeled:],
                    size=strong.shape[-2:],
                    mode='bilinear',
                    align_corners=head.align_corners)
        kept = mixed_conf >= self.conf_thresh
        hard_target = torch.where(kept, mixed_pseudo,
                                  torch.full_like(mixed_pseudo, ignore_index))
        kept_ratio = (hard_target != ignore_index).float().mean()
        unsup: Dict[str, Tensor] = {'kept_ratio': kept_ratio.detach()}
        for module in self.unsup_hard_losses:
            value = module(unsup_logits, hard_target, ignore_index=ignore_index)
            if self.hard_loss_reduction == 'all_pixels':
                value = value * kept_ratio.detach()
            unsup[module.loss_name] = value
        if with_soft:
            soft_target, soft_weight = unlabeled[3], unlabeled[4]
            if self.soft_loss_conf_mask:
                soft_weight = soft_weight * kept.to(soft_weight.dtype)
            for module in self.unsup_soft_losses:
                unsup[module.loss_name] = module(
                    unsup_logits,
                    soft_target,
                    weight=soft_weight,
                    ignore_index=ignore_index)
        losses.update(add_prefix(unsup, 'unsup'))
        return losses
