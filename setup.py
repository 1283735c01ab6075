"""Installation of mmseg_jml.

mmcv comes in two forms; neither is forced: ``pip install -e .[lite]``
takes ``mmcv-lite`` (pure Python, installs anywhere), ``pip install -e
.[full]`` the compiled ``mmcv`` (or install it with ``mim install mmcv``
first). The pinned development environment is ``requirements/constraints.txt``
(``make test`` and ``make demo`` build it).
"""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    namespace = {}
    with open(osp.join('mmseg_jml', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(name: str) -> list:
    with open(osp.join('requirements', name)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


setup(
    name='mmseg_jml',
    version=read_version(),
    description='Jaccard metric losses (NeurIPS 2023) for MMSegmentation 1.x',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.8',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        lite=read_requirements('mmcv_lite.txt'),
        full=read_requirements('mmcv_full.txt'),
        demo=read_requirements('demo.txt'),
        tests=read_requirements('tests.txt'),
    ),
    zip_safe=False,
)
