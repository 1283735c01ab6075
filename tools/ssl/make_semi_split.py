"""Split a training set into a labelled and an unlabelled list, seeded and
stratified along the sorted sample names.

Usage::

    python tools/ssl/make_semi_split.py IMG_DIR OUT_DIR [--ratio 8]
        [--seed 0] [--suffix .png]

Lists the images of IMG_DIR (names without ``--suffix``), sorts them, cuts
the sorted list into ``ceil(N / ratio)`` contiguous strata of (almost) equal
size and draws one labelled sample from each with ``numpy``'s seeded
generator; writes ``OUT_DIR/labeled.txt`` and ``OUT_DIR/unlabeled.txt`` (one
name per line, sorted), the ``ann_file`` format of MMSeg datasets.

The MNI152 demo's 1/8 split (``configs/ssl/splits/mni152-1of8``) is::

    python tools/ssl/make_semi_split.py data/mni152/img_dir/train \\
        configs/ssl/splits/mni152-1of8 --ratio 8 --seed 0

Its slice names (``axial_<z>``) come from the deterministic converter
(``tools/dataset_converters/mni152.py``), so the shipped lists fit every
prepared copy. Stratifying along the axial position gives labelled slices
from the whole brain, which a plain random draw of 10 slices need not.
"""
import argparse
import math
import os
import os.path as osp
from typing import List, Sequence, Tuple

import numpy as np


def stratified_split(names: Sequence[str], ratio: int,
                     seed: int) -> Tuple[List[str], List[str]]:
    """Labelled and unlabelled names: one labelled name per stratum.

    Args:
        names (Sequence[str]): Distinct sample names.
        ratio (int): One sample in ``ratio`` is labelled (``ceil(N /
            ratio)`` in total).
        seed (int): Seed of the draw within each stratum.

    Returns:
        tuple[list[str], list[str]]: The sorted labelled and unlabelled
        names.

    Raises:
        TypeError: If ``ratio`` or ``seed`` is not an int.
        ValueError: On ``ratio < 1``, no names or repeated names.
    """
    for name, value in (('ratio', ratio), ('seed', seed)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f'expected {name} to be an int, got '
                            f'{type(value).__name__}')
    if ratio < 1:
        raise ValueError(f'expected ratio >= 1, got {ratio}')
    ordered = sorted(names)
    if not ordered:
        raise ValueError('expected at least one name, got none')
    if len(set(ordered)) != len(ordered):
        raise ValueError('expected distinct names, got repeated ones')
    num_labelled = math.ceil(len(ordered) / ratio)
    generator = np.random.default_rng(seed)
    labelled = [
        str(stratum[generator.integers(len(stratum))])
        for stratum in np.array_split(np.array(ordered), num_labelled)
    ]
    chosen = set(labelled)
    return labelled, [n for n in ordered if n not in chosen]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img_dir')
    parser.add_argument('out_dir')
    parser.add_argument('--ratio', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--suffix', default='.png')
    args = parser.parse_args(argv)
    if not osp.isdir(args.img_dir):
        parser.error(f'folder not found: {args.img_dir}')
    names = [
        f[:-len(args.suffix)] for f in os.listdir(args.img_dir)
        if f.endswith(args.suffix)
    ]
    labelled, unlabelled = stratified_split(names, args.ratio, args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    for file_name, items in (('labeled.txt', labelled),
                             ('unlabeled.txt', unlabelled)):
        with open(osp.join(args.out_dir, file_name), 'w') as f:
            f.write(''.join(f'{item}\n' for item in items))
    print(f'wrote {len(labelled)} labelled and {len(unlabelled)} unlabelled '
          f'names to {args.out_dir}')


if __name__ == '__main__':
    main()
