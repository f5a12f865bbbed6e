"""A Keras 3 model written by convcalc emit keras from the spec below."""

# spec: 16x16x4 res(conv3s2p1x8nb bn relu conv3p1x8nb bn | conv1s2x8nb bn) relu
# cat(id | deconv2s2x4 pool2) up2 zpad1 gap dense2
# 1,102 trainable + 48 non-trainable parameters, 65,560 MACs

import keras
from keras import layers


def build_model() -> keras.Model:
    """Input (N, 16, 16, 4), channels last; output (N, 2)."""
    inputs = keras.Input(shape=(16, 16, 4), name="input")
    # 1  res(conv3s2p1x8nb bn relu conv3p1x8nb b…  → 8×8×8
    block_1 = inputs
    # 1.1.1  conv3s2p1x8nb  → 8×8×8
    x = layers.ZeroPadding2D(1, name="conv_1_1_1_pad")(block_1)
    x = layers.Conv2D(8, 3, strides=2, use_bias=False, name="conv_1_1_1")(x)
    # 1.1.2  bn  → 8×8×8
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="bn_1_1_2")(x)
    # 1.1.3  relu  → 8×8×8
    x = layers.ReLU(name="relu_1_1_3")(x)
    # 1.1.4  conv3p1x8nb  → 8×8×8
    x = layers.Conv2D(8, 3, padding="same", use_bias=False, name="conv_1_1_4")(x)
    # 1.1.5  bn  → 8×8×8
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="bn_1_1_5")(x)
    branch_1_1 = x
    # 1.2.1  conv1s2x8nb  → 8×8×8
    x = layers.Conv2D(8, 1, strides=2, use_bias=False, name="conv_1_2_1")(block_1)
    # 1.2.2  bn  → 8×8×8
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="bn_1_2_2")(x)
    x = layers.Add(name="res_1")([branch_1_1, x])
    # 2  relu  → 8×8×8
    x = layers.ReLU(name="relu_2")(x)
    # 3  cat(id | deconv2s2x4 pool2)  → 8×8×12
    block_3 = x
    # 3.1.1  id  → 8×8×8
    x = layers.Identity(name="id_3_1_1")(block_3)
    branch_3_1 = x
    # 3.2.1  deconv2s2x4  → 16×16×4
    x = layers.Conv2DTranspose(4, 2, strides=2, name="deconv_3_2_1")(block_3)
    # 3.2.2  pool2  → 8×8×4
    x = layers.MaxPooling2D(2, name="maxpool_3_2_2")(x)
    x = layers.Concatenate(name="cat_3")([branch_3_1, x])
    # 4  up2  → 16×16×12
    x = layers.UpSampling2D(2, name="upsample_4")(x)
    # 5  zpad1  → 18×18×12
    x = layers.ZeroPadding2D(1, name="zpad_5")(x)
    # 6  gap  → 12
    x = layers.GlobalAveragePooling2D(name="gap_6")(x)
    # 7  dense2  → 2
    x = layers.Dense(2, name="dense_7")(x)
    return keras.Model(inputs, x, name="net")


if __name__ == "__main__":
    build_model().summary()
