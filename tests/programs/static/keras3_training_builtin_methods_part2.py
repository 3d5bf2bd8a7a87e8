"""Training & evaluation with the built-in methods (the Keras 3 guide,
guides/training_with_built_in_methods.py), its later sections, imports renamed: class weights
and sample weights; a multi-input, multi-output model (image + time series in, score +
class out) compiled with per-output losses as a list, as a dict, with loss_weights and with
no loss on one output, fit on dicts; callbacks (EarlyStopping with min_delta and patience,
ModelCheckpoint with an epoch-formatted path, a learning-rate schedule object); a
CustomCallback logging batch losses.  Scaled: 20-feature "digits" (10 noisy prototypes),
16x16 images and 5x4 series for the multi-I/O model, few epochs; argv[1] is the folder for
the checkpoints."""
import os
import sys

import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(7)
ckpt_dir = sys.argv[1] if len(sys.argv) > 1 else "ckpt"
rng = np.random.default_rng(0)
protos = rng.normal(size=(10, 20))
y_train = rng.integers(0, 10, 600)
x_train = ((protos[y_train] + 0.8 * rng.normal(size=(600, 20))) * 0.5).astype("float32")
x_val, y_val = x_train[-100:], y_train[-100:]
x_train, y_train = x_train[:-100], y_train[:-100]


def get_uncompiled_model():
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    return model


# ## Using sample weighting and class weighting
class_weight = {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0,
                # Set weight "2" for class "5", making this class 2x more important
                5: 2.0, 6: 1.0, 7: 1.0, 8: 1.0, 9: 1.0}
print("Fit with class weight")
model = get_compiled_model()
initial_weights = model.get_weights()
# (shuffle=False in both fits: the two runs see the same batches)
class_weight_history = model.fit(x_train, y_train, class_weight=class_weight, batch_size=64,
                                 epochs=1, shuffle=False, verbose=0)
class_weight_model = model

sample_weight = np.ones(shape=(len(y_train),))
sample_weight[y_train == 5] = 2.0
print("Fit with sample weight")
model = get_compiled_model()
model.set_weights(initial_weights)
sample_weight_history = model.fit(x_train, y_train, sample_weight=sample_weight,
                                  batch_size=64, epochs=1, shuffle=False, verbose=0)
sample_weight_model = model

# ## Passing data to multi-input, multi-output models
image_input = keras.Input(shape=(16, 16, 3), name="img_input")
timeseries_input = keras.Input(shape=(None, 4), name="ts_input")
x1 = layers.Conv2D(3, 3)(image_input)
x1 = layers.GlobalMaxPooling2D()(x1)
x2 = layers.Conv1D(3, 3)(timeseries_input)
x2 = layers.GlobalMaxPooling1D()(x2)
x = layers.concatenate([x1, x2])
score_output = layers.Dense(1, name="score_output")(x)
class_output = layers.Dense(5, name="class_output")(x)
model = keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])
model.summary()

img_data = rng.random(size=(100, 16, 16, 3)).astype("float32")
ts_data = rng.random(size=(100, 5, 4)).astype("float32")
score_targets = rng.random(size=(100, 1)).astype("float32")
class_targets = rng.random(size=(100, 5)).astype("float32")

model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
              loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()])
list_history = model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=32,
                         epochs=1, verbose=0)
model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
              loss={"score_output": keras.losses.MeanSquaredError(),
                    "class_output": keras.losses.CategoricalCrossentropy()},
              metrics={"score_output": [keras.metrics.MeanAbsolutePercentageError(),
                                        keras.metrics.MeanAbsoluteError()],
                       "class_output": [keras.metrics.CategoricalAccuracy()]},
              loss_weights={"score_output": 2.0, "class_output": 1.0})
dict_history = model.fit({"img_input": img_data, "ts_input": ts_data},
                         {"score_output": score_targets, "class_output": class_targets},
                         batch_size=32, epochs=1, verbose=0)
print("multi-output logs:", sorted(dict_history.history))
multi_model = model
model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
              loss={"class_output": keras.losses.CategoricalCrossentropy()})
one_loss = model.evaluate({"img_input": img_data, "ts_input": ts_data},
                          {"class_output": class_targets}, verbose=0)

# ## Using callbacks
model = get_compiled_model()
callbacks = [
    keras.callbacks.EarlyStopping(
        # Stop training when `val_loss` is no longer improving
        monitor="val_loss",
        # "no longer improving" being defined as "no better than 1e-2 less"
        min_delta=1e-2,
        # "no longer improving" being further defined as "for at least 2 epochs"
        patience=2,
        verbose=1,
    )
]
early_history = model.fit(x_train, y_train, epochs=20, batch_size=64, callbacks=callbacks,
                          validation_split=0.2, verbose=0)
print("epochs run with early stopping:", len(early_history.history["loss"]))

# ## Checkpointing models
model = get_compiled_model()
callbacks = [
    keras.callbacks.ModelCheckpoint(
        # The saved model name will include the current epoch.
        filepath=os.path.join(ckpt_dir, "model_{epoch}.keras"),
        save_best_only=True,  # Only save a model if `val_loss` has improved.
        monitor="val_loss",
        verbose=1,
    )
]
ckpt_history = model.fit(x_train, y_train, epochs=2, batch_size=64, callbacks=callbacks,
                         validation_split=0.2, verbose=0)
print("checkpoints:", sorted(os.listdir(ckpt_dir)))
ckpt_model = model
restored = keras.models.load_model(os.path.join(ckpt_dir, sorted(os.listdir(ckpt_dir))[-1]))

# ## Using learning rate schedules
initial_learning_rate = 0.1
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True)
optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
print("lr at step 0 and 200000:", float(lr_schedule(0)), round(float(lr_schedule(200000)), 6))


# ## Writing your own callback
class LossHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs):
        self.per_batch_losses = []

    def on_batch_end(self, batch, logs):
        self.per_batch_losses.append(logs.get("loss"))


model = get_compiled_model()
model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
loss_history = LossHistory()
model.fit(x_train, y_train, epochs=1, batch_size=100, callbacks=[loss_history], verbose=0)
print("batch losses:", len(loss_history.per_batch_losses))
