"""A Keras 3 model written by convcalc emit keras from the spec below."""

# spec: 28x28x1 conv3x3s2p1x32 pool2 dense5
# 8,165 trainable + 0 non-trainable parameters, 64,288 MACs

import keras
from keras import layers


def build_model() -> keras.Model:
    """Input (N, 28, 28, 1), channels last; output (N, 5)."""
    inputs = keras.Input(shape=(28, 28, 1), name="input")
    # 1  conv3x3s2p1x32  → 14×14×32
    x = layers.ZeroPadding2D(1, name="conv_1_pad")(inputs)
    x = layers.Conv2D(32, 3, strides=2, name="conv_1")(x)
    # 2  pool2  → 7×7×32
    x = layers.MaxPooling2D(2, name="maxpool_2")(x)
    # 3  dense5  → 5
    x = layers.Flatten(name="dense_3_flatten")(x)
    x = layers.Dense(5, name="dense_3")(x)
    return keras.Model(inputs, x, name="net")


if __name__ == "__main__":
    build_model().summary()
