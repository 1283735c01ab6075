"""Convert DeepGlobe Land Cover's training set to MMSeg's layout with folds.

Usage::

    python tools/dataset_converters/deepglobe.py SRC_DIR OUT_DIR
        [--folds 5] [--mode contiguous | --mode shuffled [--seed 0]]
        [--tile-size N] [--link]

SRC_DIR holds the challenge's ``<id>_sat.jpg`` and ``<id>_mask.png`` (the
803 images of ``train/``; SRC_DIR may also be its parent). Writes
``OUT_DIR/img_dir`` (images), ``OUT_DIR/ann_dir/<id>_label.png`` (uint8
labels 0-5, 255 = unknown) and ``OUT_DIR/splits/fold{k}_{train,val}.txt``.
The default folds are the paper's (its official code's): contiguous over the
images sorted by file name, 160 validation images each, the last 3 of the
803 images in every training split. ``--mode shuffled`` assigns the images
to folds at random (``--seed``), every image validated once. See
:func:`mmseg_jml.datasets.deepglobe.convert_deepglobe_land`.
"""
import argparse

from mmseg_jml.datasets.deepglobe import (CLASSES, IGNORE_INDEX,
                                          TILE_IMG_SUFFIX,
                                          convert_deepglobe_land)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src_dir', help='folder with <id>_sat.jpg and '
                        '<id>_mask.png')
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--folds', type=int, default=5,
                        help='number of folds (default 5)')
    parser.add_argument('--mode', choices=('contiguous', 'shuffled'),
                        default='contiguous',
                        help='contiguous folds over the sorted file names, '
                        'as the paper (default), or shuffled')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed of --mode shuffled (default 0)')
    parser.add_argument('--tile-size', type=int, default=None,
                        help='cut images into tiles of this size (written '
                        f'as PNG, img_suffix {TILE_IMG_SUFFIX!r})')
    parser.add_argument('--link', action='store_true',
                        help='symlink the images instead of copying')
    args = parser.parse_args(argv)
    if args.seed is not None and args.mode != 'shuffled':
        parser.error('--seed applies to --mode shuffled only (the '
                     'contiguous folds have no randomness)')
    try:
        stats = convert_deepglobe_land(
            args.src_dir,
            args.out_dir,
            num_folds=args.folds,
            mode=args.mode,
            seed=0 if args.seed is None else args.seed,
            tile_size=args.tile_size,
            link=args.link)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    names = dict(enumerate(CLASSES))
    names[IGNORE_INDEX] = 'unknown (ignored)'
    total = sum(stats['class_pixels'].values())
    in_folds = sum(len(f) for f in stats['folds'])
    print(f"wrote {stats['num_samples']} samples of {stats['num_images']} "
          f"images, {len(stats['folds'])} {args.mode} folds "
          f"(val sizes {[len(f) for f in stats['folds']]}; "
          f"{stats['num_images'] - in_folds} images in every training split) "
          f'to {args.out_dir}')
    for label, count in sorted(stats['class_pixels'].items()):
        print(f'  {label:3d} {names[label]:18s} {100 * count / total:6.2f}%')
    if stats['invalid_pixels']:
        print(f"  {stats['invalid_pixels']} pixels of colours outside the "
              f'class table were set to {IGNORE_INDEX}')
    return stats


if __name__ == '__main__':
    main()
