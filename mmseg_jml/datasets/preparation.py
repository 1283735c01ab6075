"""Build the demo datasets on disk (MNI152 tissue slices, synthetic shapes).

Both write the layout that :class:`~mmseg_jml.datasets.SoftLabelSegDataset`
reads::

    <data_root>/img_dir/<split>/<name>.png    uint8 image
    <data_root>/ann_dir/<split>/<name>.png    uint8 hard label map
    <data_root>/soft_dir/<split>/<name>.npy   float16 (C, H, W) soft labels
"""
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image

#: File written last; its presence means the folder is complete.
MANIFEST = 'manifest.json'


def split_slices_by_slab(num_slices: int,
                         slab_size: int = 12,
                         val_every: int = 4,
                         gap: int = 3) -> Dict[str, List[int]]:
    """Split slice indices into train/val by whole slabs, with a gap.

    Slices are grouped in consecutive slabs of ``slab_size``; every
    ``val_every``-th slab (starting with slab ``val_every // 2``) goes to
    validation. The ``gap`` slices on either side of a validation slab are
    dropped, so that no training slice is a direct neighbour of a
    validation slice.

    Args:
        num_slices (int): Number of slices along the axis.
        slab_size (int): Slices per slab. Defaults to 12.
        val_every (int): One slab in this many is a validation slab.
            Defaults to 4.
        gap (int): Slices dropped on each side of a validation slab.
            Defaults to 3.

    Returns:
        dict: ``{'train': [...], 'val': [...]}`` sorted slice indices.

    Raises:
        ValueError: If a size is not positive or ``gap`` is negative.
    """
    if slab_size < 1 or val_every < 2 or gap < 0 or num_slices < 1:
        raise ValueError(
            f'expected num_slices >= 1, slab_size >= 1, val_every >= 2 and '
            f'gap >= 0, got {num_slices}, {slab_size}, {val_every}, {gap}')
    val = [
        i for i in range(num_slices)
        if (i // slab_size) % val_every == val_every // 2
    ]
    val_set = set(val)
    near_val = {
        j
        for i in val for j in range(i - gap, i + gap + 1)
    }
    train = [i for i in range(num_slices) if i not in near_val]
    assert not val_set & set(train)
    return dict(train=train, val=val)


def _write_sample(data_root: str, split: str, name: str, image: np.ndarray,
                  soft: np.ndarray) -> None:
    label = soft.argmax(axis=0).astype(np.uint8)
    for sub, suffix in (('img_dir', '.png'), ('ann_dir', '.png'),
                        ('soft_dir', '.npy')):
        os.makedirs(osp.join(data_root, sub, split), exist_ok=True)
    Image.fromarray(image).save(
        osp.join(data_root, 'img_dir', split, name + '.png'))
    Image.fromarray(label).save(
        osp.join(data_root, 'ann_dir', split, name + '.png'))
    np.save(
        osp.join(data_root, 'soft_dir', split, name + '.npy'),
        soft.astype(np.float16))


def is_prepared(data_root: str) -> bool:
    """Whether ``data_root`` holds a completely written dataset."""
    return osp.isfile(osp.join(data_root, MANIFEST))


def mni152_volumes() -> Tuple[np.ndarray, np.ndarray]:
    """Load the MNI152 2009 template and its tissue maps from nilearn.

    Returns:
        tuple: ``t1`` of shape (X, Y, Z) in [0, 1] and ``soft`` of shape
        (3, X, Y, Z): background, grey matter, white matter probabilities
        summing to 1 at every voxel.
    """
    from nilearn import datasets

    t1 = datasets.load_mni152_template(resolution=1).get_fdata()
    gm = datasets.load_mni152_gm_template(resolution=1).get_fdata()
    wm = datasets.load_mni152_wm_template(resolution=1).get_fdata()
    gm = np.clip(gm, 0.0, 1.0)
    wm = np.clip(wm, 0.0, 1.0)
    background = np.clip(1.0 - gm - wm, 0.0, 1.0)
    soft = np.stack([background, gm, wm])
    soft /= soft.sum(axis=0, keepdims=True)
    t1 = (t1 - t1.min()) / (t1.max() - t1.min())
    return t1, soft


def prepare_mni152(data_root: str,
                   min_brain_fraction: float = 0.05,
                   slab_size: int = 12,
                   val_every: int = 4,
                   gap: int = 3) -> Dict[str, int]:
    """Write axial slices of the MNI152 template as a segmentation dataset.

    Slices whose brain (GM + WM probability above 0.5) covers less than
    ``min_brain_fraction`` of the slice are skipped. The split is by slabs
    (:func:`split_slices_by_slab`). Images are stored upright (anterior at
    the top).

    Args:
        data_root (str): Output folder.
        min_brain_fraction (float): Minimum brain area per kept slice.
            Defaults to 0.05.
        slab_size (int): See :func:`split_slices_by_slab`. Defaults to 12.
        val_every (int): See :func:`split_slices_by_slab`. Defaults to 4.
        gap (int): See :func:`split_slices_by_slab`. Defaults to 3.

    Returns:
        dict: Number of slices written per split.
    """
    t1, soft = mni152_volumes()
    splits = split_slices_by_slab(t1.shape[2], slab_size, val_every, gap)
    counts = {}
    for split, indices in splits.items():
        kept = 0
        for z in indices:
            soft_slice = soft[:, :, :, z]
            brain = (soft_slice[1] + soft_slice[2]) > 0.5
            if brain.mean() < min_brain_fraction:
                continue
            # (X, Y) -> (H, W) = (Y, X), anterior up.
            image = np.flipud(t1[:, :, z].T)
            soft_hw = np.flip(soft_slice.transpose(0, 2, 1), axis=1)
            _write_sample(data_root, split, f'axial_{z:03d}',
                          np.round(image * 255).astype(np.uint8),
                          np.ascontiguousarray(soft_hw))
            kept += 1
        counts[split] = kept
    with open(osp.join(data_root, MANIFEST), 'w') as f:
        json.dump(
            dict(
                source='nilearn MNI152 2009 template, resolution 1 mm',
                classes=['background', 'grey matter', 'white matter'],
                axis='axial',
                slab_size=slab_size,
                val_every=val_every,
                gap=gap,
                min_brain_fraction=min_brain_fraction,
                counts=counts),
            f,
            indent=2)
    return counts


def make_synthetic_dataset(data_root: str,
                           num_train: int = 8,
                           num_val: int = 4,
                           size: Sequence[int] = (64, 64),
                           seed: int = 0) -> Dict[str, int]:
    """Write a tiny dataset of discs and squares on a noisy background.

    Three classes: background, disc, square. The soft labels blur the hard
    map at object edges (a 3x3 box filter of the one-hot), so they are a
    valid simplex map whose arg-max is the hard label.

    Args:
        data_root (str): Output folder.
        num_train (int): Training images. Defaults to 8.
        num_val (int): Validation images. Defaults to 4.
        size (Sequence[int]): Image (height, width). Defaults to (64, 64).
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: Number of images written per split.
    """
    rng = np.random.default_rng(seed)
    height, width = size
    yy, xx = np.mgrid[:height, :width]
    counts = dict(train=num_train, val=num_val)
    for split, count in counts.items():
        for index in range(count):
            label = np.zeros((height, width), dtype=np.int64)
            radius = rng.integers(height // 8, height // 4)
            cy, cx = rng.integers(radius, height - radius), rng.integers(
                radius, width - radius)
            label[(yy - cy)**2 + (xx - cx)**2 <= radius**2] = 1
            side = int(rng.integers(height // 6, height // 3))
            y0 = int(rng.integers(0, height - side))
            x0 = int(rng.integers(0, width - side))
            label[y0:y0 + side, x0:x0 + side] = 2
            onehot = np.eye(3)[label].transpose(2, 0, 1)
            padded = np.pad(onehot, ((0, 0), (1, 1), (1, 1)), mode='edge')
            soft = sum(padded[:, dy:dy + height, dx:dx + width]
                       for dy in range(3) for dx in range(3)) / 9.0
            # keep the arg-max equal to the hard label on ties
            soft = 0.5 * soft + 0.5 * onehot
            intensity = np.array([40.0, 150.0, 230.0])[label]
            image = intensity + rng.normal(0.0, 25.0, size=(height, width))
            image = np.clip(image, 0, 255).astype(np.uint8)
            _write_sample(data_root, split, f'shape_{index:03d}', image,
                          soft)
    with open(osp.join(data_root, MANIFEST), 'w') as f:
        json.dump(dict(source='synthetic', seed=seed, counts=counts), f)
    return counts
