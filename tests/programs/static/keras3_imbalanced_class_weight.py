"""keras.io's "Imbalanced classification: credit card fraud detection" (structured_data/
imbalanced_classification), on a small synthetic table: the train/validation split, the
normalisation by the training mean and std, counts of the positive class, a Sequential of
Dense/Dropout (one Dense with a kernel_regularizer, as the guides add), the confusion metrics
(FalseNegatives, FalsePositives, TrueNegatives, TruePositives, Precision, Recall), fit with
class_weight = {0: 1/neg, 1: 1/pos} and validation_data, a ModelCheckpoint per epoch to a
temporary folder, then evaluate and predict on the validation set.  The imports are keras.io's
with ``keras`` -> ``dlcore_static.keras``."""
import os
import tempfile

import numpy as np
import dlcore_static.keras as keras

keras.utils.set_random_seed(7)
rng = np.random.default_rng(0)
n, d = 600, 6
features = rng.normal(size=(n, d)).astype("float32")
score = features[:, 0] * 1.5 - features[:, 1] + 0.5 * features[:, 2] ** 2
targets = (score > 2.6).astype("uint8")[:, None]
print("features.shape:", features.shape)
print("targets.shape:", targets.shape)

num_val_samples = int(len(features) * 0.2)
train_features = features[:-num_val_samples]
train_targets = targets[:-num_val_samples]
val_features = features[-num_val_samples:]
val_targets = targets[-num_val_samples:]

print("Number of training samples:", len(train_features))
print("Number of validation samples:", len(val_features))

counts = np.bincount(train_targets[:, 0])
print(
    "Number of positive samples in training data: {} ({:.2f}% of total)".format(
        counts[1], 100 * float(counts[1]) / len(train_targets)
    )
)

weight_for_0 = 1.0 / counts[0]
weight_for_1 = 1.0 / counts[1]

mean = np.mean(train_features, axis=0)
train_features -= mean
val_features -= mean
std = np.std(train_features, axis=0)
train_features /= std
val_features /= std

model = keras.Sequential(
    [
        keras.Input(shape=train_features.shape[1:]),
        keras.layers.Dense(32, activation="relu",
                           kernel_regularizer=keras.regularizers.l2(1e-4)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.summary()

metrics = [
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
]

model.compile(
    optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics
)

ckpt_dir = tempfile.mkdtemp()
callbacks = [keras.callbacks.ModelCheckpoint(os.path.join(ckpt_dir, "fraud_model_at_epoch_{epoch}.keras"))]
class_weight = {0: weight_for_0, 1: weight_for_1}

history = model.fit(
    train_features,
    train_targets,
    batch_size=128,
    epochs=8,
    verbose=0,
    callbacks=callbacks,
    validation_data=(val_features, val_targets),
    class_weight=class_weight,
)
for epoch in range(8):
    h = {k: v[epoch] for k, v in history.history.items()}
    print("epoch {} loss {:.6f} tp {:.0f} fn {:.0f} val_loss {:.4f} val_tp {:.0f} val_fn {:.0f} val_fp {:.0f}".format(
        epoch + 1, h["loss"], h["tp"], h["fn"], h["val_loss"], h["val_tp"], h["val_fn"], h["val_fp"]))
print("checkpoints:", sorted(os.listdir(ckpt_dir))[:2], len(os.listdir(ckpt_dir)))

results = model.evaluate(val_features, val_targets, verbose=0)
print("evaluate:", ["{:.4f}".format(v) for v in results])
pred = model.predict(val_features, verbose=0)
print("predictions:", pred.shape, pred.dtype, "positive:", int((pred > 0.5).sum()))
