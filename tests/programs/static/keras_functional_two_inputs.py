"""A Keras 2 functional model with two inputs and two outputs (the Keras guide's "multi-input
and multi-output models", at a small scale)."""
import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.layers import Input, Dense, concatenate
from dlcore_static.keras.models import Model
from dlcore_static.keras import backend as K

np.random.seed(3)
set_random_seed(3)
main_data = np.random.randn(400, 10).astype("float32")
aux_data = np.random.randn(400, 5).astype("float32")
labels = ((main_data[:, :3].sum(1) + aux_data[:, 0]) > 0).astype("float32")

main_input = Input(shape=(10,), name="main_input")
aux_input = Input(shape=(5,), name="aux_input")
x = Dense(16, activation="relu")(main_input)
aux_output = Dense(1, activation="sigmoid", name="aux_output")(x)
x = concatenate([x, aux_input])
x = Dense(16, activation="relu")(x)
main_output = Dense(1, activation="sigmoid", name="main_output")(x)

model = Model(inputs=[main_input, aux_input], outputs=[main_output, aux_output])
model.compile(optimizer="rmsprop", loss="binary_crossentropy", loss_weights=[1.0, 0.2],
              metrics=["accuracy"])
model.summary()
history = model.fit([main_data, aux_data], [labels, labels], epochs=12, batch_size=32,
                    verbose=0, validation_split=0.25)
for e in (0, 11):
    print("epoch %d: loss %.4f, main_output_accuracy %.4f, val_loss %.4f" % (
        e + 1, history.history["loss"][e], history.history["main_output_accuracy"][e],
        history.history["val_loss"][e]))
scores = model.evaluate([main_data, aux_data], [labels, labels], batch_size=64, verbose=0)
print("evaluate:", " ".join("%s=%.4f" % kv for kv in zip(model.metrics_names, scores)))
get_hidden = K.function([main_input], [model.layers[2].output])
print("hidden shape:", get_hidden([main_data[:5]])[0].shape)
