"""Write the tiny synthetic shapes dataset used by the tests.

Usage::

    python tools/dataset_converters/synthetic.py DATA_ROOT [--num-train N]
        [--num-val N] [--size H W] [--seed S]
"""
import argparse

from mmseg_jml.datasets.preparation import make_synthetic_dataset


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root')
    parser.add_argument('--num-train', type=int, default=8)
    parser.add_argument('--num-val', type=int, default=4)
    parser.add_argument('--size', type=int, nargs=2, default=(64, 64))
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    counts = make_synthetic_dataset(args.data_root, args.num_train,
                                    args.num_val, args.size, args.seed)
    print(f'wrote {counts} images to {args.data_root}')


if __name__ == '__main__':
    main()
