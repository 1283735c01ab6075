"""SemiEncoderDecoder: teacher placement, checkpoints, export, pseudo labels,
confidence masking, CutMix and the multi-branch loss."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmseg_jml  # noqa: F401
from mmseg.registry import MODELS
from mmseg_jml.models.segmentors.pseudo_label import (adaptive_label_cutmix,
                                                      image_confidence,
                                                      pseudo_label_confidence,
                                                      random_boxes)
from mmseg_jml.models.segmentors.semi_encoder_decoder import (
    ema_update_, plain_model_config, plain_state_dict)

NUM_CLASSES = 3
SIZE = 16


def _model_cfg(**semi):
    norm = dict(type='BN', requires_grad=True)
    cfg = dict(
        type='SemiEncoderDecoder',
        data_preprocessor=dict(
            type='MultiBranchDataPreprocessor',
            data_preprocessor=dict(type='SegDataPreProcessor',
                                   size=(SIZE, SIZE))),
        backbone=dict(type='ResNetV1c', depth=18, num_stages=2,
                      out_indices=(1, ), strides=(1, 2), dilations=(1, 1),
                      stem_channels=8, base_channels=8, norm_cfg=norm),
        decode_head=dict(
            type='FCNHead', in_channels=16, channels=8, num_convs=1,
            num_classes=NUM_CLASSES, norm_cfg=norm, align_corners=False,
            loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=1.0)),
        test_cfg=dict(mode='whole'),
        unsup_hard_losses=dict(type='SoftCrossEntropyLoss'),
        unsup_soft_losses=dict(type='JaccardMetricLoss'))
    cfg.update(semi)
    return cfg


def _build(**semi):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    return MODELS.build(_model_cfg(**semi))


def _samples(num, labelled, seed=0):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(num):
        meta = dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE),
                    ori_shape=(SIZE, SIZE))
        sample = SegDataSample(metainfo=meta)
        if labelled:
            label = torch.randint(0, NUM_CLASSES, (1, SIZE, SIZE),
                                  generator=g)
            label[:, :2] = 255
            sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return samples


def _batch(num=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    weak = torch.randn(num, 3, SIZE, SIZE, generator=g)
    inputs = dict(sup=torch.randn(num, 3, SIZE, SIZE, generator=g),
                  unsup_teacher=weak, unsup_student=weak + 0.1)
    samples = dict(sup=_samples(num, True, seed), unsup_teacher=_samples(
        num, False), unsup_student=_samples(num, False))
    return inputs, samples


def _perturb(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.1)


# ---------------------------------------------------------------------------
# teacher placement and checkpoints
# ---------------------------------------------------------------------------
def test_teacher_is_outside_parameters_and_train_mode():
    model = _build()
    teacher_ids = {id(p) for p in model.teacher.parameters()}
    assert teacher_ids and not teacher_ids & {id(p) for p in
                                             model.parameters()}
    model.train()
    assert model.training and not model.teacher.training
    assert not any(p.requires_grad for p in model.teacher.parameters())
    for key, value in model.teacher.state_dict().items():  # starts a copy
        assert torch.equal(value, model.state_dict()[key])


def test_state_dict_holds_both_and_round_trips():
    model = _build()
    _perturb(model)
    model.update_teacher(0.5)
    _perturb(model, seed=2)
    state = copy.deepcopy(model.state_dict())
    student_keys = [k for k in state if not k.startswith('teacher.')]
    teacher_keys = [k for k in state if k.startswith('teacher.')]
    assert sorted('teacher.' + k for k in student_keys) == sorted(
        teacher_keys)
    fresh = _build()
    result = fresh.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_plain_checkpoint_loads_into_both():
    model = _build()
    _perturb(model)
    plain = {k: v for k, v in model.state_dict().items()
             if not k.startswith('teacher.')}
    fresh = _build()
    fresh.load_state_dict(plain, strict=True)
    for key, value in plain.items():
        assert torch.equal(fresh.teacher.state_dict()[key], value)


@pytest.mark.parametrize('branch', ['student', 'teacher'])
def test_plain_state_dict_loads_into_encoder_decoder(branch):
    model = _build()
    _perturb(model)
    model.update_teacher(0.3)
    state = plain_state_dict(
        {'module.' + k: v for k, v in model.state_dict().items()}, branch)
    init_default_scope('mmseg')
    plain = MODELS.build(plain_model_config(_model_cfg()))
    assert type(plain).__name__ == 'EncoderDecoder'
    plain.load_state_dict(state, strict=True)
    source = model.teacher if branch == 'teacher' else model
    for key, value in plain.state_dict().items():
        assert torch.equal(value, source.state_dict()[key])


def test_export_errors():
    with pytest.raises(ValueError, match="starting with 'teacher.'"):
        plain_state_dict({'backbone.w': torch.ones(1)})
    with pytest.raises(ValueError, match='expected branch'):
        plain_state_dict({'teacher.w': torch.ones(1)}, 'ema')
    with pytest.raises(ValueError, match='SemiEncoderDecoder model config'):
        plain_model_config(dict(type='EncoderDecoder'))


def test_ema_update_matches_formula_and_copies_int_buffers():
    torch.manual_seed(0)
    student, teacher = torch.nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        student.weight.uniform_()
        student.running_mean.uniform_()
        student.num_batches_tracked.fill_(7)
    expected_w = 0.9 * teacher.weight.detach() + 0.1 * student.weight.detach()
    expected_m = 0.9 * teacher.running_mean + 0.1 * student.running_mean
    ema_update_(teacher, student, 0.9)
    assert torch.allclose(teacher.weight, expected_w)
    assert torch.allclose(teacher.running_mean, expected_m)
    assert int(teacher.num_batches_tracked) == 7
    with pytest.raises(ValueError, match='same architecture'):
        ema_update_(torch.nn.BatchNorm2d(4), student, 0.5)
    with pytest.raises(ValueError, match='decay <= 1.0'):
        ema_update_(teacher, student, 1.5)


@pytest.mark.parametrize('branch', ['teacher', 'student'])
def test_predict_on(branch):
    model = _build(predict_on=branch)
    _perturb(model)  # the student moves away from the teacher
    model.eval()
    inputs = torch.randn(1, 3, SIZE, SIZE)
    source = model.teacher if branch == 'teacher' else super(
        type(model), model)
    assert torch.equal(model._forward(inputs), source._forward(inputs))
    with pytest.raises(ValueError, match='expected predict_on'):
        model.predict_on = 'ema'


# ---------------------------------------------------------------------------
# pseudo labels and CutMix
# ---------------------------------------------------------------------------
def test_pseudo_label_and_image_confidence_by_hand():
    probs = torch.tensor([[0.7, 0.2, 0.1], [1 / 3, 1 / 3, 1 / 3]])
    probs = probs.T.reshape(1, 3, 1, 2)
    label, conf = pseudo_label_confidence(probs)
    assert label.tolist() == [[[0, 0]]]
    assert torch.allclose(conf, torch.tensor([[[0.7, 1 / 3]]]))
    entropy = -(0.7 * math.log(0.7) + 0.2 * math.log(0.2) +
                0.1 * math.log(0.1))
    expected = ((1 - entropy / math.log(3)) * 0.7 + 0.0) / 2
    assert image_confidence(probs).item() == pytest.approx(expected, 1e-6)
    onehot = F.one_hot(torch.tensor([[[2, 0]]]), 3).permute(0, 3, 1, 2)
    assert image_confidence(onehot.float()).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        image_confidence(torch.rand(3, 4, 4))


def test_random_boxes_sizes_and_centres():
    torch.manual_seed(0)
    boxes = random_boxes(500, 40, 24, lam=0.75)
    top, bottom, left, right = boxes.unbind(1)
    assert (top >= 0).all() and (bottom <= 40).all()
    assert (left >= 0).all() and (right <= 24).all()
    # side int(H * sqrt(0.25)) = 20 (half 10) and 12 (half 6), before clipping
    centre_y = torch.where(top > 0, top + 10, bottom - 10)
    assert ((bottom - top) <= 20).all() and ((bottom - top) == 20).any()
    assert ((right - left) <= 12).all() and ((right - left) == 12).any()
    assert centre_y.min() >= 40 // 8


@pytest.mark.parametrize('adaptive,confidence', [(True, 0.0), (True, 1.0),
                                                 (False, 1.0)])
def test_cutmix_mixes_all_tensors_by_the_same_boxes(adaptive, confidence):
    torch.manual_seed(0)
    num, h, w = 6, 20, 20
    ids = torch.arange(num).view(num, 1, 1).expand(num, h, w)
    unl = [ids.float().unsqueeze(1).repeat(1, 3, 1, 1), ids.clone(),
           ids.float() / 100]
    lab_ids = 100 + ids
    lab = [lab_ids.float().unsqueeze(1).repeat(1, 3, 1, 1), lab_ids.clone(),
           torch.ones(num, h, w)]
    conf = torch.full((num, ), confidence)
    img, label, c = adaptive_label_cutmix(unl, lab, conf, adaptive=adaptive)
    # one source per pixel, the same for image, label and confidence
    assert torch.equal(img[:, 0], label.float())
    assert torch.equal(img[:, 1], img[:, 2])
    from_labelled = label >= 100
    assert torch.equal(c[from_labelled], torch.ones_like(c[from_labelled]))
    assert torch.allclose(c[~from_labelled], label[~from_labelled] / 100)
    if adaptive and confidence == 1.0:  # no injection at confidence 1
        assert not from_labelled.any()
    else:
        assert from_labelled.any()
    for i in range(num):  # own image outside one box, one partner inside
        others = label[i][label[i] != i].tolist()
        assert len({o for o in others if o < 100}) <= 1
        assert len({o for o in others if o >= 100}) <= 1
        ys, xs = torch.nonzero(label[i] != i, as_tuple=True)
        if len(ys):
            block = label[i][ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            assert (block != i).all()
    assert torch.equal(unl[1], ids)  # inputs untouched


def test_cutmix_errors():
    x = torch.zeros(2, 4, 4)
    with pytest.raises(ValueError, match='one labeled tensor per'):
        adaptive_label_cutmix([x, x], [x], torch.zeros(2))
    with pytest.raises(ValueError, match='same dtype'):
        adaptive_label_cutmix([x], [x.long()], torch.zeros(2))
    with pytest.raises(ValueError, match='confidence of shape'):
        adaptive_label_cutmix([x], [x], torch.zeros(3))


# ---------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------
def test_loss_keys_and_gradients_reach_the_student_only():
    model = _build()
    model.train()
    inputs, samples = _batch()
    losses = model.loss(inputs, samples)
    assert {'decode.loss_ce', 'unsup.loss_ce', 'unsup.loss_jml',
            'unsup.kept_ratio'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.parameters())


def test_labelled_only_batch_is_encoder_decoder_loss():
    model = _build()
    model.train()
    inputs, samples = _batch()
    torch.manual_seed(3)
    semi = model.loss(dict(sup=inputs['sup']), dict(sup=samples['sup']))
    torch.manual_seed(3)
    plain = model.loss(inputs['sup'], samples['sup'])
    assert set(semi) == set(plain) and 'unsup.loss_ce' not in semi
    assert torch.equal(semi['decode.loss_ce'], plain['decode.loss_ce'])


def test_unlabelled_samples_must_not_carry_labels():
    model = _build()
    inputs, samples = _batch()
    samples['unsup_student'] = _samples(2, True)
    with pytest.raises(ValueError, match='without gt_sem_seg'):
        model.loss(inputs, samples)
    inputs, samples = _batch()
    del inputs['unsup_student']
    with pytest.raises(ValueError, match='both unlabelled branches'):
        model.loss(inputs, samples)


@pytest.mark.parametrize('reduction', ['all_pixels', 'kept_pixels'])
def test_confidence_threshold_masks_the_hard_loss(reduction, monkeypatch):
    thresh = 0.6
    model = _build(cutmix=False, conf_thresh=thresh, unsup_soft_losses=None,
                   hard_loss_reduction=reduction)
    model.train()
    g = torch.Generator().manual_seed(5)
    probs = torch.softmax(3 * torch.randn(2, NUM_CLASSES, SIZE, SIZE,
                                          generator=g), 1)
    monkeypatch.setattr(model, 'teacher_probs', lambda weak: probs)
    inputs, samples = _batch()
    captured = {}
    head_forward = model.decode_head.forward

    def forward(x):
        out = head_forward(x)
        captured['logits'] = out
        return out

    monkeypatch.setattr(model.decode_head, 'forward', forward)
    losses = model.loss(inputs, samples)
    logits = F.interpolate(captured['logits'][2:], size=(SIZE, SIZE),
                           mode='bilinear', align_corners=False)
    conf, label = probs.max(1)
    kept = conf >= thresh
    per_pixel = F.cross_entropy(logits, label, reduction='none')
    denominator = kept.numel() if reduction == 'all_pixels' else kept.sum()
    expected = (per_pixel * kept).sum() / denominator
    assert 0 < kept.sum() < kept.numel()
    assert losses['unsup.kept_ratio'].item() == pytest.approx(
        kept.float().mean().item())
    assert losses['unsup.loss_ce'].item() == pytest.approx(
        expected.item(), rel=1e-5)


@pytest.mark.parametrize('conf_mask', [False, True])
def test_soft_loss_gets_teacher_probabilities(conf_mask, monkeypatch):
    model = _build(cutmix=False, unsup_hard_losses=None, conf_thresh=0.6,
                   soft_loss_conf_mask=conf_mask)
    model.train()
    g = torch.Generator().manual_seed(5)
    probs = torch.softmax(3 * torch.randn(2, NUM_CLASSES, SIZE, SIZE,
                                          generator=g), 1)
    monkeypatch.setattr(model, 'teacher_probs', lambda weak: probs)
    seen = {}
    jml = model.unsup_soft_losses[0]
    original = jml.forward

    def spy(logits, target, weight=None, ignore_index=None):
        seen.update(target=target, weight=weight)
        return original(logits, target, weight=weight,
                        ignore_index=ignore_index)

    monkeypatch.setattr(jml, 'forward', spy)
    model.loss(*_batch())
    assert torch.equal(seen['target'], probs)
    expected = (probs.max(1).values >= 0.6).float() if conf_mask else \
        torch.ones(2, SIZE, SIZE)
    assert torch.equal(seen['weight'], expected)


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(conf_thresh=1.5), ValueError, 'conf_thresh <= 1.0'),
    (dict(hard_loss_reduction='sum'), ValueError, 'hard_loss_reduction'),
    (dict(soft_loss_conf_mask=1), TypeError, 'soft_loss_conf_mask'),
    (dict(cutmix_beta_labeled=(8.0, )), TypeError, 'pair of reals'),
    (dict(unsup_soft_losses=dict(type='CrossEntropyLoss',
                                 loss_name='loss_x')), TypeError,
     'accept soft'),
    (dict(unsup_hard_losses=dict(type='SoftCrossEntropyLoss'),
          unsup_soft_losses=dict(type='SoftCrossEntropyLoss')), ValueError,
     'distinct loss_name'),
    (dict(unsup_hard_losses='ce'), TypeError, 'loss config dict'),
])
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        _build(**kwargs)
