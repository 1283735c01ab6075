"""Prepare the MNI152 brain-tissue demo dataset from nilearn's template.

Usage::

    python tools/dataset_converters/mni152.py [DATA_ROOT] [--force]

Writes axial slices (T1 image, hard tissue labels, soft tissue probability
maps) into DATA_ROOT (default ``data/mni152``), split into train/val by slabs
with a gap. Needs ``nilearn`` (``pip install -e .[demo]``), no network.
"""
import argparse
import shutil

from mmseg_jml.datasets.preparation import is_prepared, prepare_mni152


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', nargs='?', default='data/mni152')
    parser.add_argument(
        '--force', action='store_true', help='rebuild even if present')
    args = parser.parse_args(argv)
    if is_prepared(args.data_root) and not args.force:
        print(f'{args.data_root} is already prepared (use --force to '
              f'rebuild)')
        return
    if args.force:
        shutil.rmtree(args.data_root, ignore_errors=True)
    counts = prepare_mni152(args.data_root)
    print(f'wrote {counts} slices to {args.data_root}')


if __name__ == '__main__':
    main()
