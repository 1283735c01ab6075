"""Knowledge distillation from a frozen MMSeg teacher into an EncoderDecoder.

The student is an ordinary :class:`~mmseg.models.segmentors.EncoderDecoder`
config whose ``type`` is ``DistillEncoderDecoder``, with four more keys:
the teacher's own config file and checkpoint, the distillation temperature,
and the distillation losses (e.g. ``KLDivergenceLoss`` and
``JaccardMetricLoss(active_classes='label')``, which receive the teacher's
probabilities as a soft target).

Where the teacher lives
    The teacher is *not* a submodule: it is kept in a plain attribute (set
    with ``object.__setattr__``), so it is absent from ``state_dict()`` (a
    checkpoint is the student's alone and loads into the plain student
    config), from ``parameters()`` (not in the optimizer, not synchronised by
    DDP) and from ``train()`` / ``init_weights()`` (it stays in eval mode
    with its checkpoint weights). :meth:`DistillEncoderDecoder._apply` passes
    device and dtype conversions (``.to()``, ``.cuda()``, ``.double()``...)
    on to it, so it always sits where the student does. ``copy.deepcopy``
    (e.g. MMEngine's EMA model) copies the student and *shares* the frozen
    teacher; a copy's device and dtype conversions leave the shared teacher
    to its owner, the original model.

Which pixels are distilled
    As in the official code (``train_kd.py`` of zifuwanggg/JDTLosses builds
    ``keep_mask = label != ignore`` and ``models/segmentor.py``,
    ``forward_loss_kd``, passes it to the KL terms and to the JML term on
    the teacher), only pixels whose label is not the head's ``ignore_index``
    and that are not padding added by the data preprocessor
    (``padding_size`` in the samples' metainfo): every other pixel gets a
    weight of 0 in every distillation loss. The head's pixel sampler (OHEM),
    if any, weights only the ground-truth losses.

Which teacher head
    The decode head's distillation losses read the teacher's decode head
    (the last head of a ``CascadeEncoderDecoder``); the ``i``-th auxiliary
    head's read the teacher's ``i``-th auxiliary head, as the official code
    distils its auxiliary head from the teacher's.
"""
import copy
import math
import os
import os.path as osp
from numbers import Real
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import CheckpointLoader
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.segmentors import CascadeEncoderDecoder, EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         SampleList, add_prefix)
from torch import Tensor, nn

from ...utils.runtime import revert_sync_bn_in_config
from ..losses import KLDivergenceLoss
from ..utils.soft_loss import (LossConfigs, accepts_soft_target,
                               build_named_losses, check_soft_label_head,
                               head_loss_modules, label_size_losses,
                               loss_heads, resize_to_labels, stack_labels)

__all__ = ['DistillEncoderDecoder', 'teacher_logits']


def _check_temperature(temperature: float) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, Real):
        raise TypeError(f'expected temperature to be a real number, got '
                        f'{type(temperature).__name__}')
    temperature = float(temperature)
    if not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(
            f'expected temperature > 0 (finite), got {temperature}')
    return temperature


def _not_found(kind: str, path: str) -> str:
    """The message of a missing teacher file: the path tried, and how to
    make a path relative to the student's config file."""
    message = (f'teacher {kind} not found: expected an existing {kind} '
               f'file, got {path!r} (tried {osp.abspath(path)!r})')
    if not osp.isabs(path):
        message += (
            f'; a relative path is resolved against the working directory '
            f'{os.getcwd()!r}, not the config file: write it as '
            f"'{{{{fileDirname}}}}/...' in the student config (MMEngine "
            'replaces {{fileDirname}} with the folder of that config file)')
    return message


def _load_teacher_config(path: str) -> Config:
    """Read the teacher's config file, with clear errors."""
    if not isinstance(path, str):
        raise TypeError(f'expected teacher_config to be a config file path '
                        f'(str), got {type(path).__name__}')
    if not osp.isfile(path):
        raise FileNotFoundError(_not_found('config', path))
    try:
        cfg = Config.fromfile(path)
    except Exception as error:  # syntax errors, bad _base_, bad imports
        raise ValueError(f'could not read the teacher config {path!r}: '
                         f'{type(error).__name__}: {error}') from error
    if not isinstance(cfg.get('model'), dict):
        raise ValueError(f'expected the teacher config {path!r} to define a '
                         f'model dict, got {type(cfg.get("model")).__name__}')
    return cfg


def _read_checkpoint_state(path: str) -> Dict[str, Tensor]:
    """The state dict of a checkpoint file or URL, with clear errors."""
    if not isinstance(path, str):
        raise TypeError(f'expected teacher_checkpoint to be a checkpoint '
                        f'path or URL (str), got {type(path).__name__}')
    if '://' not in path and not osp.isfile(path):
        raise FileNotFoundError(_not_found('checkpoint', path))
    try:
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    except Exception as error:
        raise ValueError(
            f'could not read the teacher checkpoint {path!r} (not a PyTorch '
            f'checkpoint, corrupt or truncated?): {type(error).__name__}: '
            f'{error}') from error
    state = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else None
    if not isinstance(state, dict) or not state:
        raise ValueError(f'expected the teacher checkpoint {path!r} to hold '
                         f'a state dict, got {type(checkpoint).__name__}')
    # DDP-wrapped weights carry a 'module.' prefix (as MMEngine strips it).
    return {
        key[len('module.'):] if key.startswith('module.') else key: value
        for key, value in state.items()
    }


def _switch_off_pretraining(model_cfg: ConfigType) -> None:
    """Drop the ImageNet weights a teacher config asks for, in place.

    The teacher's weights come from its checkpoint, which overwrites every
    parameter; paper configs are pretrained by default, and MMSeg's
    ``TIMMBackbone`` would download its weights while building (its
    ``pretrained`` defaults to True). So: the segmentor's ``pretrained``
    becomes None, the backbone's ``init_cfg`` is dropped, and its
    ``pretrained`` becomes False (a flag, and always for ``TIMMBackbone``)
    or None (a path).
    """
    if model_cfg.get('pretrained') is not None:
        model_cfg['pretrained'] = None
    backbone = model_cfg.get('backbone')
    if not isinstance(backbone, dict):
        return
    backbone.pop('init_cfg', None)
    backbone_type = backbone.get('type')
    is_timm = isinstance(backbone_type, str) and backbone_type.split(
        '.')[-1] == 'TIMMBackbone'
    if is_timm or isinstance(backbone.get('pretrained'), bool):
        backbone['pretrained'] = False
    elif backbone.get('pretrained') is not None:
        backbone['pretrained'] = None


def _normalisation(preprocessor: nn.Module) -> Dict[str, object]:
    """What a data preprocessor does to pixel values, for comparison."""
    normalise = bool(getattr(preprocessor, '_enable_normalize', False))
    return dict(
        normalise=normalise,
        mean=[round(float(v), 6) for v in preprocessor.mean.flatten()]
        if normalise else None,
        std=[round(float(v), 6) for v in preprocessor.std.flatten()]
        if normalise else None,
        bgr_to_rgb=bool(getattr(preprocessor, 'channel_conversion', False)))


def teacher_logits(teacher: EncoderDecoder, x: Sequence[Tensor],
                   with_aux: bool) -> List[Tensor]:
    """The teacher's decode-head logits, then its auxiliary heads' (when
    ``with_aux``), at the heads' own resolution.

    A ``CascadeEncoderDecoder`` chains its decode heads as its own
    ``encode_decode`` does; its last head's output is the prediction.

    Args:
        teacher (EncoderDecoder): The teacher (call it without gradient).
        x (Sequence[Tensor]): The teacher's ``extract_feat`` features.
        with_aux (bool): Whether to add the auxiliary heads' logits.

    Returns:
        list[Tensor]: (N, C, h, w) logits, the decode head's first.
    """
    if isinstance(teacher, CascadeEncoderDecoder):
        out = teacher.decode_head[0].forward(x)
        for head in teacher.decode_head[1:]:
            out = head.forward(x, out)
        logits = [out]
    else:
        logits = [teacher.decode_head.forward(x)]
    if with_aux:
        logits += [head.forward(x) for _, head in loss_heads(teacher)[1:]]
    return logits


@MODELS.register_module()
class DistillEncoderDecoder(EncoderDecoder):
    """An :class:`~mmseg.models.segmentors.EncoderDecoder` student trained
    with distillation losses from a frozen teacher.

    The teacher is built once from its own MMSeg config and checkpoint,
    frozen (``requires_grad=False``, eval mode, BN statistics untouched) and
    kept outside the module tree (see the module docstring). Each training
    batch -- already normalised by the student's data preprocessor, which the
    teacher's must match -- goes through the teacher once under
    ``torch.no_grad()``; its decode-head logits (and, with
    ``aux_distill_losses``, its auxiliary heads' logits) are resized to the
    label size (bilinear, each teacher head's ``align_corners``) and turned
    into probabilities ``softmax(logits / temperature)`` once, shared by the
    distillation losses of that head. Each student head's logits are resized
    to the label size once and shared by its ground-truth losses (computed
    as MMSeg's ``loss_by_feat`` does) and its distillation losses: the
    decode head's ``distill_losses`` against the teacher's decode head, the
    ``i``-th auxiliary head's ``aux_distill_losses`` against the teacher's
    ``i``-th auxiliary head. Each distillation loss is called as
    ``loss(student_logits, teacher_probs, weight=keep,
    ignore_index=head.ignore_index)``, where ``keep`` is 1 on pixels whose
    label is not the head's ``ignore_index`` and that are not padding, 0
    elsewhere, and is logged as ``decode.<loss_name>`` (``aux.<loss_name>``
    or ``aux_<i>.<loss_name>``). Inference is the student's alone.

    Args:
        backbone (ConfigType): Student backbone config.
        decode_head (ConfigType): Student decode head config; the head must
            use MMSeg's ``BaseDecodeHead.loss`` and ``loss_by_feat``.
        teacher_config (str): Path of the teacher's MMSeg config file (its
            ``model`` must build an ``EncoderDecoder`` or a
            ``CascadeEncoderDecoder``). Its pretraining (the segmentor's
            ``pretrained``, the backbone's ``init_cfg`` and ``pretrained``)
            is switched off: the checkpoint holds every weight, and nothing
            is downloaded. Relative paths are relative to the working
            directory; write ``'{{fileDirname}}/...'`` in the student config
            for a path relative to that config file.
        teacher_checkpoint (str): Path (or URL) of the teacher's checkpoint;
            it must fit the teacher config exactly (no missing, unexpected or
            mis-shaped keys; BN ``num_batches_tracked`` may be absent).
            Relative paths as for ``teacher_config``.
        distill_losses (dict | list[dict]): Loss config(s) for the decode
            head, each taking soft (N, C, H, W) targets (this package's
            ``KLDivergenceLoss``, ``JaccardMetricLoss``, ``DiceMetricLoss``,
            ``SoftCrossEntropyLoss``), with distinct ``loss_name`` s that
            differ from the head's own loss names.
        temperature (float): Temperature ``T > 0`` of the teacher's
            probabilities; every ``KLDivergenceLoss`` must use the same.
            Defaults to 1.0.
        aux_distill_losses (dict | list[dict], optional): Distillation loss
            config(s) for each auxiliary head, against the teacher's
            auxiliary head of the same position (the student and the teacher
            need as many auxiliary heads). Defaults to None (auxiliary heads
            keep only their ground-truth losses).
        neck (OptConfigType): Student neck config. Defaults to None.
        auxiliary_head (OptConfigType): Student auxiliary head config(s).
            Defaults to None.
        train_cfg (OptConfigType): Training config. Defaults to None.
        test_cfg (OptConfigType): Testing config. Defaults to None.
        data_preprocessor (OptConfigType): Student data preprocessor config.
            Defaults to None.
        pretrained (str, optional): Pretrained student backbone weights.
            Defaults to None.
        init_cfg (OptMultiConfig): Student initialisation config. Defaults to
            None.

    Raises:
        TypeError: On an argument of the wrong type, a distillation loss that
            does not take soft targets, a teacher that is not an
            ``EncoderDecoder``, or a student head overriding ``loss`` or
            ``loss_by_feat``.
        ValueError: On ``temperature <= 0``, a ``KLDivergenceLoss`` at another
            temperature, missing/duplicate/clashing loss names, a loss with
            parameters or persistent buffers, ``aux_distill_losses`` without
            an auxiliary head in the student or with another number of
            auxiliary heads in the teacher, an unreadable teacher config or
            checkpoint, teacher and student heads with different class
            counts, or different input normalisation.
        FileNotFoundError: If the teacher config or checkpoint is missing
            (the message gives the absolute path tried).
        RuntimeError: If the checkpoint does not fit the teacher config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 teacher_config: str,
                 teacher_checkpoint: str,
                 distill_losses: LossConfigs,
                 temperature: float = 1.0,
                 aux_distill_losses: Optional[LossConfigs] = None,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        self.temperature = _check_temperature(temperature)
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
            check_soft_label_head(head)
        self.distill_losses = self._build_losses(distill_losses,
                                                 'distill_losses',
                                                 [self.decode_head])
        if aux_distill_losses is not None and not self.with_auxiliary_head:
            raise ValueError('expected an auxiliary_head with '
                             'aux_distill_losses, got no auxiliary head')
        aux_heads = [head for _, head in loss_heads(self)[1:]]
        self.aux_distill_losses = self._build_losses(
            aux_distill_losses, 'aux_distill_losses',
            aux_heads) if aux_distill_losses is not None else nn.ModuleList()
        teacher = self._build_teacher(teacher_config, teacher_checkpoint)
        # A plain attribute, not a submodule: see the module docstring.
        object.__setattr__(self, '_teacher', teacher)
        object.__setattr__(self, '_owns_teacher', True)
        self.teacher_config = teacher_config
        self.teacher_checkpoint = teacher_checkpoint

    # ------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------
    @property
    def teacher(self) -> EncoderDecoder:
        """The frozen teacher (not a submodule: not saved, not optimised)."""
        return self._teacher

    def _build_losses(self, configs: LossConfigs, name: str,
                      heads: Sequence[BaseDecodeHead]) -> nn.ModuleList:
        """Build and check one group of distillation losses."""
        losses = build_named_losses(
            configs, name, reason='checkpoints hold the student alone')
        if len(losses) == 0:
            raise ValueError(f'expected at least one loss in {name}, got '
                             'an empty list')
        names: List[str] = []
        for loss in losses:
            kind = type(loss).__name__
            loss_name = loss.loss_name
            if not accepts_soft_target(loss):
                raise TypeError(
                    f'expected losses in {name} to take soft (N, C, H, W) '
                    f'targets (KLDivergenceLoss, JaccardMetricLoss, '
                    f'DiceMetricLoss, SoftCrossEntropyLoss), got {kind}')
            if isinstance(loss, KLDivergenceLoss) and not math.isclose(
                    loss.temperature, self.temperature):
                raise ValueError(
                    f'expected the KLDivergenceLoss in {name} to use the '
                    f'distillation temperature {self.temperature}, got '
                    f'{loss.temperature}')
            names.append(loss_name)
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f'expected distinct loss_name s in {name} (each '
                             f'term is logged on its own), got '
                             f'{duplicates} more than once')
        for head in heads:
            clash = sorted(set(names) & set(
                loss.loss_name for loss in head_loss_modules(head)))
            if clash:
                raise ValueError(
                    f'expected loss_name s in {name} that differ from the '
                    f'ground-truth losses of {type(head).__name__}, got '
                    f'{clash} in both (e.g. name them loss_kd_kl, '
                    'loss_kd_jml)')
        return losses

    def _build_teacher(self, config_path: str,
                       checkpoint_path: str) -> EncoderDecoder:
        """Build (without its ImageNet weights), load, check and freeze the
        teacher."""
        cfg = _load_teacher_config(config_path)
        model_cfg = cfg.model
        _switch_off_pretraining(model_cfg)
        # The teacher only ever runs in eval mode, where SyncBN is BN (and
        # SyncBN has no CPU kernel); the state dict keys are the same.
        revert_sync_bn_in_config(model_cfg)
        try:
            teacher = MODELS.build(model_cfg)
        except Exception as error:
            raise ValueError(
                f'could not build the teacher model of {config_path!r}: '
                f'{type(error).__name__}: {error}') from error
        if not isinstance(teacher, EncoderDecoder):
            raise TypeError(f'expected the teacher of {config_path!r} to be '
                            f'an EncoderDecoder (or CascadeEncoderDecoder), '
                            f'got {type(teacher).__name__}')
        self._check_teacher_heads(teacher, config_path)
        state = _read_checkpoint_state(checkpoint_path)
        try:
            missing, unexpected = teacher.load_state_dict(state, strict=False)
        except RuntimeError as error:  # shape mismatches
            raise RuntimeError(
                f'the teacher checkpoint {checkpoint_path!r} does not fit the '
                f'teacher config {config_path!r}: {error}') from error
        missing = [k for k in missing if 'num_batches_tracked' not in k]
        if missing or unexpected:
            raise RuntimeError(
                f'the teacher checkpoint {checkpoint_path!r} does not fit the '
                f'teacher config {config_path!r}: expected the keys of the '
                f'teacher model, got {len(missing)} missing '
                f'(e.g. {missing[:3]}) and {len(unexpected)} unexpected '
                f'(e.g. {unexpected[:3]})')
        student_norm = _normalisation(self.data_preprocessor)
        teacher_norm = _normalisation(teacher.data_preprocessor)
        if student_norm != teacher_norm:
            raise ValueError(
                f'expected the teacher\'s data_preprocessor to normalise '
                f'inputs like the student\'s (the teacher reads the '
                f'student\'s preprocessed batch), got teacher {teacher_norm} '
                f'and student {student_norm}')
        teacher.requires_grad_(False)
        teacher.eval()
        return teacher

    def _check_teacher_heads(self, teacher: EncoderDecoder,
                             config_path: str) -> None:
        """The teacher's heads must predict the student heads' classes; with
        ``aux_distill_losses``, one teacher auxiliary head per student
        auxiliary head."""
        for attribute in ('num_classes', 'out_channels'):
            ours = getattr(self, attribute)
            theirs = getattr(teacher, attribute)
            if ours != theirs:
                raise ValueError(
                    f'expected a teacher with the student\'s {attribute} '
                    f'({ours}), got {theirs} in {config_path!r}')
        if len(self.aux_distill_losses) == 0:
            return
        student_aux = [head for _, head in loss_heads(self)[1:]]
        teacher_aux = [head for _, head in loss_heads(teacher)[1:]]
        if len(teacher_aux) != len(student_aux):
            raise ValueError(
                f'expected the teacher of {config_path!r} to have '
                f'{len(student_aux)} auxiliary head(s), one per student '
                f'auxiliary head, with aux_distill_losses (the auxiliary '
                f"distillation reads the teacher's auxiliary heads), got "
                f'{len(teacher_aux)}: give the teacher config an '
                'auxiliary_head or drop aux_distill_losses')
        for index, (ours, theirs) in enumerate(zip(student_aux,
                                                   teacher_aux)):
            if ours.out_channels != theirs.out_channels:
                raise ValueError(
                    f"expected the teacher's auxiliary head {index} to have "
                    f"the student's out_channels ({ours.out_channels}), got "
                    f'{theirs.out_channels} in {config_path!r}')

    # ------------------------------------------------------------------
    # the teacher is frozen, shared by copies, and follows the student
    # ------------------------------------------------------------------
    def _apply(self, fn: Callable, recurse: bool = True) -> 'nn.Module':
        """Apply device/dtype conversions to the teacher as well (unless
        this model is a copy that shares another model's teacher)."""
        super()._apply(fn, recurse)
        teacher = self.__dict__.get('_teacher')
        if teacher is not None and self.__dict__.get('_owns_teacher', True):
            teacher._apply(fn)
        return self

    def __deepcopy__(self, memo: Dict[int, Any]) -> 'DistillEncoderDecoder':
        """Copy the student; share the frozen teacher (not copied).

        Args:
            memo (dict): ``copy.deepcopy``'s memo.

        Returns:
            DistillEncoderDecoder: The copy, whose ``teacher`` is this
            model's teacher; its device/dtype conversions leave the teacher
            alone.
        """
        teacher = self.__dict__.get('_teacher')
        if teacher is not None:
            memo[id(teacher)] = teacher
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        state = copy.deepcopy(self.__dict__, memo)
        state['_owns_teacher'] = False
        new.__setstate__(state)
        return new

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    def teacher_probs(self,
                      inputs: Tensor,
                      size: Sequence[int],
                      with_aux: bool = False) -> List[Tensor]:
        """The teacher's probabilities at ``temperature``, at ``size``.

        Args:
            inputs (Tensor): (N, 3, H, W) batch, preprocessed by the
                student's data preprocessor.
            size (Sequence[int]): (H, W) of the labels.
            with_aux (bool): Whether to add the teacher's auxiliary heads.
                Defaults to False.

        Returns:
            list[Tensor]: (N, C, H, W) float32 probabilities, without
            gradient: the decode head's, then (with ``with_aux``) each
            auxiliary head's.
        """
        teacher = self.teacher
        if teacher.training:  # e.g. a user called teacher.train()
            teacher.eval()
        with torch.no_grad():
            logits = teacher_logits(teacher, teacher.extract_feat(inputs),
                                     with_aux)
            aligns = [teacher.align_corners] + [
                head.align_corners for _, head in loss_heads(teacher)[1:]
            ]
            return [
                torch.softmax(
                    resize(
                        out,
                        size=tuple(size),
                        mode='bilinear',
                        align_corners=align).float() / self.temperature,
                    dim=1) for out, align in zip(logits, aligns)
            ]

    @staticmethod
    def padding_weight(data_samples: SampleList,
                       size: Sequence[int]) -> Optional[Tensor]:
        """Pixel weights that drop the data preprocessor's padding.

        Args:
            data_samples (list[SegDataSample]): The batch; ``padding_size``
                (left, right, top, bottom) is read from each metainfo.
            size (Sequence[int]): (H, W) of the (padded) labels.

        Returns:
            Tensor | None: (N, H, W) float weights (0 on padding, 1
            elsewhere) on the labels' device, or None if nothing is padded.
        """
        height, width = int(size[0]), int(size[1])
        pads = [sample.metainfo.get('padding_size') for sample in data_samples]
        if not any(pad is not None and any(pad) for pad in pads):
            return None
        device = data_samples[0].gt_sem_seg.data.device
        weight = torch.ones((len(data_samples), height, width),
                            device=device)
        for index, pad in enumerate(pads):
            if pad is None or not any(pad):
                continue
            left, right, top, bottom = (int(value) for value in pad)
            weight[index, :top] = 0
            weight[index, :, :left] = 0
            if bottom:
                weight[index, height - bottom:] = 0
            if right:
                weight[index, :, width - right:] = 0
        return weight

    @staticmethod
    def distill_weight(seg_label: Tensor, ignore_index: int,
                       padding: Optional[Tensor] = None) -> Tensor:
        """Pixel weights of the distillation losses.

        As the official ``keep_mask = label != ignore``: 1 where the label
        is not ``ignore_index`` and the pixel is not padding, 0 elsewhere.

        Args:
            seg_label (Tensor): (N, 1, H, W) labels.
            ignore_index (int): The head's ignored label.
            padding (Tensor, optional): (N, H, W) weights of
                :meth:`padding_weight`. Defaults to None.

        Returns:
            Tensor: (N, H, W) float weights on the labels' device.
        """
        keep = (seg_label.squeeze(1) != ignore_index).float()
        return keep if padding is None else keep * padding

    def loss(self, inputs: Tensor,
             data_samples: SampleList) -> Dict[str, Tensor]:
        """Ground-truth and distillation losses of a batch.

        Args:
            inputs (Tensor): (N, 3, H, W) preprocessed images.
            data_samples (list[SegDataSample]): The batch, with
                ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: ``EncoderDecoder``'s losses (``decode.*``,
            ``aux*.*``) plus one entry per distillation loss, e.g.
            ``decode.loss_kd_kl`` and ``aux.loss_kd_kl``.
        """
        seg_label = stack_labels(data_samples)
        size = seg_label.shape[2:]
        teacher_probs = self.teacher_probs(
            inputs, size, with_aux=len(self.aux_distill_losses) > 0)
        padding = self.padding_weight(data_samples, size)
        x = self.extract_feat(inputs)
        losses: Dict[str, Tensor] = {}
        for index, (prefix, head) in enumerate(loss_heads(self)):
            # resized once, shared by the ground-truth and distillation losses
            logits = resize_to_labels(head, head.forward(x), seg_label)
            head_result = label_size_losses(head, logits, seg_label)
            distill = (self.distill_losses
                       if index == 0 else self.aux_distill_losses)
            if len(distill) > 0:
                weight = self.distill_weight(seg_label, head.ignore_index,
                                             padding)
                for module in distill:
                    head_result[module.loss_name] = module(
                        logits,
                        teacher_probs[index],
                        weight=weight,
                        ignore_index=head.ignore_index)
            losses.update(add_prefix(head_result, prefix))
        return losses
