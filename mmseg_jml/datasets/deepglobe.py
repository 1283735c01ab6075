"""DeepGlobe Land Cover (Demir et al., CVPR Workshops 2018).

The challenge's training set holds 803 RGB satellite images
(``<id>_sat.jpg``, 2448×2448, 50 cm/pixel) with RGB-coded masks
(``<id>_mask.png``). :func:`convert_deepglobe_land` turns it into MMSeg's
layout with label maps and the 5 cross-validation folds the Jaccard metric
loss paper evaluates on (:func:`make_folds`: by default the official
contiguous folds of 160 validation images, the last 3 images always in
training); :class:`DeepGlobeLandDataset` reads it.

Classes and colour codes (each channel binarised at 128, as the challenge's
evaluation does against compression noise)::

    0 urban        (0, 255, 255)      3 forest   (0, 255, 0)
    1 agriculture  (255, 255, 0)      4 water    (0, 0, 255)
    2 rangeland    (255, 0, 255)      5 barren   (255, 255, 255)
    255 unknown    (0, 0, 0)          (ignored, as in the challenge and in
                                       the paper's code: 6 classes)

A colour outside the table (only (255, 0, 0) remains after binarising) is
also written as 255 and counted.
"""
import os
import os.path as osp
import shutil
from typing import Dict, List, Literal, Optional, Sequence, Tuple

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from PIL import Image

CLASSES = ('urban', 'agriculture', 'rangeland', 'forest', 'water', 'barren')
PALETTE = [[0, 255, 255], [255, 255, 0], [255, 0, 255], [0, 255, 0],
           [0, 0, 255], [255, 255, 255]]
#: Label of ``unknown`` pixels (and of colours outside the table).
IGNORE_INDEX = 255
IMG_SUFFIX = '_sat.jpg'
MASK_SUFFIX = '_mask.png'
LABEL_SUFFIX = '_label.png'
TILE_IMG_SUFFIX = '_sat.png'

# Label for each binarised colour, indexed by 4 * R + 2 * G + B.
_CODE_TO_LABEL = np.full(8, IGNORE_INDEX, dtype=np.uint8)
for _label, (_r, _g, _b) in enumerate(PALETTE):
    _CODE_TO_LABEL[4 * (_r // 255) + 2 * (_g // 255) + _b // 255] = _label
_VALID_CODES = np.array([0] + [
    4 * (r // 255) + 2 * (g // 255) + b // 255 for r, g, b in PALETTE
])


@DATASETS.register_module()
class DeepGlobeLandDataset(BaseSegDataset):
    """DeepGlobe Land Cover, as written by :func:`convert_deepglobe_land`.

    Layout (``ann_file`` selects a fold; without it every image of
    ``img_dir`` is used)::

        data/deepglobe_land/
            img_dir/<id>_sat.jpg            # RGB satellite image
            ann_dir/<id>_label.png          # uint8 label, 255 = unknown
            splits/fold{k}_{train,val}.txt  # one <id> per line

    Args:
        img_suffix (str): Suffix of images. Defaults to ``'_sat.jpg'``
            (``'_sat.png'`` for data converted with ``tile_size``).
        seg_map_suffix (str): Suffix of label maps. Defaults to
            ``'_label.png'``.
        reduce_zero_label (bool): Defaults to False (0 is ``urban``).
        **kwargs: Keyword arguments of
            :class:`~mmseg.datasets.BaseSegDataset` (``data_root``,
            ``data_prefix``, ``ann_file``, ``pipeline``, ...).
    """

    METAINFO = dict(classes=CLASSES, palette=PALETTE)

    def __init__(self,
                 img_suffix: str = IMG_SUFFIX,
                 seg_map_suffix: str = LABEL_SUFFIX,
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)


def rgb_to_label(mask: np.ndarray) -> Tuple[np.ndarray, int]:
    """Convert an RGB-coded DeepGlobe Land mask to a label map.

    Each channel is binarised at 128 (values >= 128 count as 255), then the
    colour is looked up in the class table; ``unknown`` (black) and colours
    outside the table become :data:`IGNORE_INDEX`.

    Args:
        mask (np.ndarray): (H, W, 3) uint8 RGB mask.

    Returns:
        tuple[np.ndarray, int]: The (H, W) uint8 label map and the number of
        pixels whose colour is not in the table (neither a class nor
        unknown).

    Raises:
        TypeError: If ``mask`` is not a uint8 array.
        ValueError: If ``mask`` is not (H, W, 3).
    """
    if not isinstance(mask, np.ndarray) or mask.dtype != np.uint8:
        raise TypeError(f'expected a uint8 numpy array, got '
                        f'{getattr(mask, "dtype", type(mask))}')
    if mask.ndim != 3 or mask.shape[2] != 3:
        raise ValueError(f'expected an (H, W, 3) RGB mask, got shape '
                         f'{mask.shape}')
    bits = (mask >= 128).astype(np.uint8)
    code = 4 * bits[..., 0] + 2 * bits[..., 1] + bits[..., 2]
    num_invalid = int((~np.isin(code, _VALID_CODES)).sum())
    return _CODE_TO_LABEL[code], num_invalid


def file_order(ids: Sequence[str]) -> List[str]:
    """Image ids in the order of their file names ``<id>_sat.jpg``.

    The official code sorts the paths of the images, i.e. the file names,
    which differs from sorting the ids where one id is a prefix of another
    (``'1234_sat.jpg'`` comes after ``'12345_sat.jpg'``, as ``'_'`` sorts
    after the digits).

    Args:
        ids (Sequence[str]): Image ids.

    Returns:
        list[str]: The ids, sorted by ``id + '_sat.jpg'``.
    """
    return sorted(ids, key=lambda i: i + IMG_SUFFIX)


def make_folds(ids: Sequence[str],
               num_folds: int = 5,
               mode: Literal['contiguous', 'shuffled'] = 'contiguous',
               seed: int = 0) -> List[List[str]]:
    """Validation ids of each cross-validation fold.

    ``'contiguous'`` (the default) is the official split of the paper's
    code (``datas/datasets/deepglobe_land.py`` of zifuwanggg/JDTLosses):
    the ids in :func:`file_order`, ``n = len(ids) // num_folds`` per fold,
    fold ``k`` validating on positions ``[k n, (k + 1) n)``; the last
    ``len(ids) % num_folds`` images are in the training split of every fold
    (for DeepGlobe's 803 images: folds of 160, the last 3 always trained
    on, 643 training images per fold). ``'shuffled'`` permutes the ids with
    ``seed`` and splits them into ``num_folds`` folds whose sizes differ by
    at most one, so that every id is validated once.

    Args:
        ids (Sequence[str]): Unique image ids.
        num_folds (int): Number of folds (``>= 2``). Defaults to 5.
        mode (Literal['contiguous', 'shuffled']): The split. Defaults to
            ``'contiguous'`` (the paper's).
        seed (int): Seed of the permutation of ``'shuffled'``. Defaults to
            0.

    Returns:
        list[list[str]]: ``num_folds`` lists of validation ids, each in
        :func:`file_order`.

    Raises:
        ValueError: If ``num_folds < 2``, there are fewer ids than folds, an
            id repeats, or ``mode`` is unknown.
        TypeError: If ``seed`` is not an int.
    """
    if isinstance(num_folds, bool) or not isinstance(num_folds, int) \
            or num_folds < 2:
        raise ValueError(f'expected num_folds to be an int >= 2, got '
                         f'{num_folds!r}')
    if mode not in ('contiguous', 'shuffled'):
        raise ValueError(f"expected mode 'contiguous' or 'shuffled', got "
                         f'{mode!r}')
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f'expected seed to be an int, got '
                        f'{type(seed).__name__}')
    ids = file_order(ids)
    if len(ids) < num_folds:
        raise ValueError(f'expected at least {num_folds} images for '
                         f'{num_folds} folds, got {len(ids)}')
    if len(set(ids)) != len(ids):
        raise ValueError('expected unique image ids, got repeats')
    if mode == 'contiguous':
        size = len(ids) // num_folds
        return [ids[k * size:(k + 1) * size] for k in range(num_folds)]
    order = np.random.default_rng(seed).permutation(len(ids))
    return [
        file_order(ids[i] for i in part)
        for part in np.array_split(order, num_folds)
    ]


def _find_pairs(src_dir: str) -> Tuple[str, List[str]]:
    """The folder and ids of the ``<id>_sat.jpg``/``<id>_mask.png`` pairs.

    Looks in ``src_dir``, or in ``src_dir/train`` when ``src_dir`` holds no
    image.
    """
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'expected a directory, got {src_dir!r}')
    names = os.listdir(src_dir)
    if not any(n.endswith(IMG_SUFFIX) for n in names) and osp.isdir(
            osp.join(src_dir, 'train')):
        return _find_pairs(osp.join(src_dir, 'train'))
    ids = sorted(n[:-len(IMG_SUFFIX)] for n in names
                 if n.endswith(IMG_SUFFIX))
    if not ids:
        raise FileNotFoundError(f'expected <id>{IMG_SUFFIX} images in '
                                f'{src_dir!r} (or in its train/), got none')
    missing = [i for i in ids if i + MASK_SUFFIX not in names]
    if missing:
        raise ValueError(f'expected a {MASK_SUFFIX} mask for every image '
                         f'(the valid/test folders have none), got '
                         f'{len(missing)} without, e.g. {missing[:3]}')
    return src_dir, ids


def _tile_origins(size: int, tile: int) -> List[int]:
    """Origins of tiles covering ``size`` (the last one flush, overlapping)."""
    if size <= tile:
        return [0]
    origins = list(range(0, size - tile, tile))
    return origins + [size - tile]


def convert_deepglobe_land(src_dir: str,
                           out_dir: str,
                           num_folds: int = 5,
                           mode: Literal['contiguous',
                                         'shuffled'] = 'contiguous',
                           seed: int = 0,
                           tile_size: Optional[int] = None,
                           link: bool = False) -> Dict[str, object]:
    """Convert DeepGlobe Land's training set to MMSeg's layout with folds.

    Writes ``img_dir/`` (images), ``ann_dir/<id>_label.png`` (uint8 label
    maps, see :func:`rgb_to_label`) and ``splits/fold{k}_{train,val}.txt``
    for k in ``range(num_folds)``: the validation ids of fold k
    (:func:`make_folds`), and all other ids. The folds are made over whole
    images; with ``tile_size``
    each image is cut into ``tile_size`` squares (the last row/column
    flush with the border, overlapping its neighbour), written as
    ``<id>_<row>_<col>_sat.png`` (lossless) and ``..._label.png``, and
    the split files list the tiles of their images.

    Args:
        src_dir (str): Directory with ``<id>_sat.jpg`` and
            ``<id>_mask.png`` (or its parent holding ``train/``).
        out_dir (str): Output directory.
        num_folds (int): Number of folds. Defaults to 5.
        mode (Literal['contiguous', 'shuffled']): The split of
            :func:`make_folds`. Defaults to ``'contiguous'`` (the paper's:
            160 validation images per fold, the last 3 always in training).
        seed (int): Seed of the ``'shuffled'`` split. Defaults to 0.
        tile_size (int, optional): Tile size in pixels; None keeps whole
            images (the paper trains on random crops of whole images).
            Defaults to None.
        link (bool): Symlink the images instead of copying them (whole
            images only). Defaults to False.

    Returns:
        dict: ``num_images``, ``num_samples`` (images or tiles),
        ``folds`` (list of validation id lists), ``invalid_pixels`` (pixels
        of colours outside the table) and ``class_pixels`` (pixel count per
        label, 255 included).

    Raises:
        FileNotFoundError: If ``src_dir`` holds no images.
        ValueError: If an image lacks its mask, its mask differs in size,
            ``tile_size`` is not positive, or the fold arguments are invalid.
    """
    if tile_size is not None and (isinstance(tile_size, bool)
                                  or not isinstance(tile_size, int)
                                  or tile_size < 1):
        raise ValueError(f'expected tile_size to be None or a positive int, '
                         f'got {tile_size!r}')
    if tile_size is not None and link:
        raise ValueError('expected link=False with tile_size (tiles are '
                         'new files), got link=True')
    src, ids = _find_pairs(src_dir)
    folds = make_folds(ids, num_folds, mode, seed)
    img_dir, ann_dir, split_dir = (osp.join(out_dir, d)
                                   for d in ('img_dir', 'ann_dir', 'splits'))
    for d in (img_dir, ann_dir, split_dir):
        os.makedirs(d, exist_ok=True)

    samples: Dict[str, List[str]] = {}
    invalid = 0
    class_pixels = np.zeros(256, dtype=np.int64)
    for img_id in ids:
        img_path = osp.join(src, img_id + IMG_SUFFIX)
        mask = np.asarray(
            Image.open(osp.join(src, img_id + MASK_SUFFIX)).convert('RGB'))
        label, bad = rgb_to_label(mask)
        invalid += bad
        class_pixels += np.bincount(label.ravel(), minlength=256)
        if tile_size is None:
            with Image.open(img_path) as img:
                if img.size != (label.shape[1], label.shape[0]):
                    raise ValueError(
                        f'expected {img_id} mask of the image size '
                        f'{img.size}, got {label.shape[::-1]}')
            out_img = osp.join(img_dir, img_id + IMG_SUFFIX)
            if osp.lexists(out_img):
                os.remove(out_img)
            if link:
                os.symlink(osp.abspath(img_path), out_img)
            else:
                shutil.copyfile(img_path, out_img)
            Image.fromarray(label).save(
                osp.join(ann_dir, img_id + LABEL_SUFFIX))
            samples[img_id] = [img_id]
            continue
        image = np.asarray(Image.open(img_path).convert('RGB'))
        if image.shape[:2] != label.shape:
            raise ValueError(f'expected {img_id} mask of the image size '
                             f'{image.shape[:2]}, got {label.shape}')
        samples[img_id] = []
        for r, y in enumerate(_tile_origins(label.shape[0], tile_size)):
            for c, x in enumerate(_tile_origins(label.shape[1], tile_size)):
                name = f'{img_id}_{r}_{c}'
                window = (slice(y, y + tile_size), slice(x, x + tile_size))
                Image.fromarray(image[window]).save(
                    osp.join(img_dir, name + TILE_IMG_SUFFIX))
                Image.fromarray(label[window]).save(
                    osp.join(ann_dir, name + LABEL_SUFFIX))
                samples[img_id].append(name)

    for k, val_ids in enumerate(folds):
        val_set = set(val_ids)
        for split, chosen in (('val', val_ids),
                              ('train', [i for i in file_order(ids)
                                         if i not in val_set])):
            names = [n for i in chosen for n in samples[i]]
            with open(osp.join(split_dir, f'fold{k}_{split}.txt'), 'w') as f:
                f.write('\n'.join(names) + '\n')
    return dict(
        num_images=len(ids),
        num_samples=sum(len(v) for v in samples.values()),
        folds=folds,
        invalid_pixels=invalid,
        class_pixels={
            int(i): int(n)
            for i, n in enumerate(class_pixels) if n
        })
