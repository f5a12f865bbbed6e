"""A Keras 3 model written by convcalc emit keras from the spec below."""

# spec: 7x7x2 conv3s2psamex4 bn relu pool3s2psame avgpool2ceil dropout.25 dense3nb
# 96 trainable + 8 non-trainable parameters, 1,164 MACs

import keras
from keras import layers


def build_model() -> keras.Model:
    """Input (N, 7, 7, 2), channels last; output (N, 3)."""
    inputs = keras.Input(shape=(7, 7, 2), name="input")
    # 1  conv3s2psamex4  → 4×4×4
    x = layers.Conv2D(4, 3, strides=2, padding="same", name="conv_1")(inputs)
    # 2  bn  → 4×4×4
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="bn_2")(x)
    # 3  relu  → 4×4×4
    x = layers.ReLU(name="relu_3")(x)
    # 4  pool3s2psame  → 2×2×4
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="maxpool_4")(x)
    # 5  avgpool2ceil  → 1×1×4
    x = layers.AveragePooling2D(2, name="avgpool_5")(x)
    # 6  dropout.25  → 1×1×4
    x = layers.Dropout(0.25, name="dropout_6")(x)
    # 7  dense3nb  → 3
    x = layers.Flatten(name="dense_7_flatten")(x)
    x = layers.Dense(3, use_bias=False, name="dense_7")(x)
    return keras.Model(inputs, x, name="net")


if __name__ == "__main__":
    build_model().summary()
