"""keras.io's "Structured data classification from scratch" (Keras 3 version): a dict of
named inputs, numerical features through Normalization adapted on the training data,
a string category through StringLookup(output_mode="one_hot"), an integer category through
IntegerLookup(output_mode="one_hot"), CategoryEncoding of a small int feature; concatenated,
a Dense/Dropout head, binary crossentropy; then inference on one raw sample dict."""
from __future__ import print_function

import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(2)
rs = np.random.RandomState(2)
n = 120
age = rs.randint(29, 77, n).astype("float32")
chol = rs.normal(240, 40, n).astype("float32")
thal = rs.choice(["normal", "fixed", "reversible"], n)
cp = rs.choice([1, 2, 3, 4], n).astype("int64")
sex = rs.randint(0, 2, n).astype("int64")
score = (age - 50) / 10 + (chol - 240) / 40 + (thal == "reversible") * 1.5 + (cp == 4) - 0.8
target = (score + rs.randn(n) * 0.3 > 0).astype("float32")
columns = {"age": age, "chol": chol, "thal": thal, "cp": cp, "sex": sex}
val_idx = np.arange(n) >= 96


def split(mask):
    return {k: v[mask].reshape(-1, 1) for k, v in columns.items()}, target[mask]


x_train, y_train = split(~val_idx)
x_val, y_val = split(val_idx)
print("Using %d samples for training and %d for validation" % (len(y_train), len(y_val)))


def encode_numerical_feature(feature, name, data):
    normalizer = layers.Normalization()
    normalizer.adapt(data[name])
    return normalizer(feature)


def encode_categorical_feature(feature, name, data, is_string):
    lookup_class = layers.StringLookup if is_string else layers.IntegerLookup
    lookup = lookup_class(output_mode="one_hot")
    lookup.adapt(data[name])
    return lookup(feature)


age_in = keras.Input(shape=(1,), name="age")
chol_in = keras.Input(shape=(1,), name="chol")
thal_in = keras.Input(shape=(1,), name="thal", dtype="string")
cp_in = keras.Input(shape=(1,), name="cp", dtype="int64")
sex_in = keras.Input(shape=(1,), name="sex", dtype="int64")
all_inputs = [age_in, chol_in, thal_in, cp_in, sex_in]

age_encoded = encode_numerical_feature(age_in, "age", x_train)
chol_encoded = encode_numerical_feature(chol_in, "chol", x_train)
thal_encoded = encode_categorical_feature(thal_in, "thal", x_train, True)
cp_encoded = encode_categorical_feature(cp_in, "cp", x_train, False)
sex_encoded = layers.CategoryEncoding(num_tokens=2, output_mode="one_hot")(sex_in)

all_features = layers.concatenate(
    [age_encoded, chol_encoded, thal_encoded, cp_encoded, sex_encoded])
x = layers.Dense(16, activation="relu")(all_features)
x = layers.Dropout(0.2)(x)
output = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(all_inputs, output)
model.compile(keras.optimizers.Adam(0.03), "binary_crossentropy", metrics=["accuracy"])
print("feature width", all_features.shape[-1])
model.fit(x_train, y_train, epochs=10, batch_size=32, validation_data=(x_val, y_val),
          verbose=2)

sample = {"age": 60, "chol": 286, "thal": "reversible", "cp": 4, "sex": 1}
input_dict = {name: np.array([[value]]) for name, value in sample.items()}
predictions = model.predict(input_dict)
print("This particular patient had a %.1f percent probability of having a heart disease."
      % (100 * predictions[0][0],))
