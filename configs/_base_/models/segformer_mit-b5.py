# SegFormer with an ImageNet-pretrained MiT-B5 (official
# configs/models/segformer_mit_b5.yaml: out_channels 512, aux_out_channels
# 256 on stage 3, dropout 0.1). See segformer_mit-b0.py; build offline with
# --cfg-options model.backbone.init_cfg=None.
_base_ = './segformer_mit-b0.py'
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b5_20220624-658746d9.pth'  # noqa
model = dict(
    backbone=dict(
        embed_dims=64,
        num_layers=[3, 6, 40, 3],
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
    decode_head=dict(in_channels=[64, 128, 320, 512]),
    auxiliary_head=dict(in_channels=320))
