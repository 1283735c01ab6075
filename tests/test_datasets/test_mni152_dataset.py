import os.path as osp

from mmseg_jml.datasets import MNI152TissueDataset, SyntheticShapesDataset


def test_synthetic_dataset_lists_soft_maps(synthetic_data_root):
    dataset = SyntheticShapesDataset(
        data_root=synthetic_data_root,
        data_prefix=dict(
            img_path='img_dir/train',
            seg_map_path='ann_dir/train',
            soft_seg_map_path='soft_dir/train'),
        pipeline=[])
    assert len(dataset) == 8
    info = dataset.get_data_info(0)
    assert osp.isfile(info['soft_seg_map_path'])
    assert info['soft_seg_map_path'].endswith(
        osp.basename(info['seg_map_path'])[:-4] + '.npy')


def test_dataset_without_soft_prefix_is_plain(synthetic_data_root):
    dataset = SyntheticShapesDataset(
        data_root=synthetic_data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=[])
    assert len(dataset) == 4
    assert 'soft_seg_map_path' not in dataset.get_data_info(0)


def test_mni152_metainfo():
    assert MNI152TissueDataset.METAINFO['classes'] == ('background',
                                                       'grey matter',
                                                       'white matter')
