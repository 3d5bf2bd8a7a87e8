"""Working with RNNs (the keras.io guide, guides/working_with_rnns.py, tf.keras 2 version),
imports renamed (``tensorflow`` -> ``dlcore_static``, ``tensorflow.keras`` ->
``dlcore_static.keras``): the built-in layers' summaries, outputs and states (an encoder's
LSTM states as a decoder's initial state), cross-batch statefulness (``stateful=True``,
``reset_states``, ``layer.states`` reused as another layer's initial state), Bidirectional,
``LSTM`` against ``RNN(LSTMCell)`` with the same weights, and a custom cell with nested
inputs, outputs and states.  Scaled: 28x28 synthetic "digits" (each class a noisy prototype,
640 training and 128 test samples) instead of MNIST, 16 LSTM units, the nested cell on 64
sequences of 6 steps; the plot is left out."""
import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(0)

# ## Built-in RNN layers: a simple example
model = keras.Sequential()
model.add(layers.Embedding(input_dim=1000, output_dim=64))
model.add(layers.LSTM(128))
model.add(layers.Dense(10))
model.summary()

# ## Outputs and states
model = keras.Sequential()
model.add(layers.Embedding(input_dim=1000, output_dim=64))
model.add(layers.GRU(256, return_sequences=True))      # (batch_size, timesteps, 256)
model.add(layers.SimpleRNN(128))                        # (batch_size, 128)
model.add(layers.Dense(10))
model.summary()

encoder_vocab = 1000
decoder_vocab = 2000
encoder_input = layers.Input(shape=(None,))
encoder_embedded = layers.Embedding(input_dim=encoder_vocab, output_dim=64)(encoder_input)
output, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(
    encoder_embedded)
encoder_state = [state_h, state_c]
decoder_input = layers.Input(shape=(None,))
decoder_embedded = layers.Embedding(input_dim=decoder_vocab, output_dim=64)(decoder_input)
decoder_output = layers.LSTM(64, name="decoder")(decoder_embedded, initial_state=encoder_state)
output = layers.Dense(10)(decoder_output)
seq2seq = keras.Model([encoder_input, decoder_input], output)
seq2seq.summary()
enc_tokens = np.random.randint(0, encoder_vocab, (3, 7))
dec_tokens = np.random.randint(0, decoder_vocab, (3, 5))
print("seq2seq output shape:", seq2seq.predict([enc_tokens, dec_tokens], verbose=0).shape)

# ## Cross-batch statefulness
paragraph1 = np.random.random((20, 10, 50)).astype(np.float32)
paragraph2 = np.random.random((20, 10, 50)).astype(np.float32)
paragraph3 = np.random.random((20, 10, 50)).astype(np.float32)

# (a layer called on arrays adds graph ops, as tf.keras 1.x in graph mode: each output is
# computed, moving the states on, when it is evaluated, here in the guide's order)
lstm_layer = layers.LSTM(64, stateful=True)
output = keras.ops.convert_to_numpy(lstm_layer(paragraph1))
output = keras.ops.convert_to_numpy(lstm_layer(paragraph2))
output = keras.ops.convert_to_numpy(lstm_layer(paragraph3))
lstm_layer.reset_states()
print("states after reset are zero:",
      all(not np.any(keras.ops.convert_to_numpy(s)) for s in lstm_layer.states))

# ### RNN state reuse
lstm_layer = layers.LSTM(64, stateful=True)
output = keras.ops.convert_to_numpy(lstm_layer(paragraph1))
output = keras.ops.convert_to_numpy(lstm_layer(paragraph2))
existing_state = lstm_layer.states
new_lstm_layer = layers.LSTM(64)
new_output = new_lstm_layer(paragraph3, initial_state=existing_state)
print("state reuse output shape:", tuple(keras.ops.convert_to_numpy(new_output).shape))
saved_states = [keras.ops.convert_to_numpy(s) for s in existing_state]

# ## Bidirectional RNNs
model = keras.Sequential()
model.add(layers.Bidirectional(layers.LSTM(64, return_sequences=True), input_shape=(5, 10)))
model.add(layers.Bidirectional(layers.LSTM(32)))
model.add(layers.Dense(10))
model.summary()

# ## Performance optimization: LSTM and RNN(LSTMCell)
batch_size = 64
input_dim = 28
units = 16
output_size = 10  # labels are from 0 to 9


def build_model(allow_cudnn_kernel=True):
    if allow_cudnn_kernel:
        lstm_layer = keras.layers.LSTM(units, input_shape=(None, input_dim))
    else:
        lstm_layer = keras.layers.RNN(keras.layers.LSTMCell(units),
                                      input_shape=(None, input_dim))
    model = keras.models.Sequential([
        lstm_layer,
        keras.layers.BatchNormalization(),
        keras.layers.Dense(output_size),
    ])
    return model


rng = np.random.default_rng(0)
protos = rng.random((10, 28, 28))
y_train, y_test = rng.integers(0, 10, 640), rng.integers(0, 10, 128)
x_train = np.clip(protos[y_train] + 0.3 * rng.normal(size=(640, 28, 28)), 0, 1)
x_test = np.clip(protos[y_test] + 0.3 * rng.normal(size=(128, 28, 28)), 0, 1)
sample, sample_label = x_train[0], y_train[0]

model = build_model(allow_cudnn_kernel=True)
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer="sgd", metrics=["accuracy"])
history = model.fit(x_train, y_train, validation_data=(x_test, y_test),
                    batch_size=batch_size, epochs=2, verbose=2)

noncudnn_model = build_model(allow_cudnn_kernel=False)
noncudnn_model.set_weights(model.get_weights())
noncudnn_model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                       optimizer="sgd", metrics=["accuracy"])
print("same predictions with RNN(LSTMCell):",
      np.allclose(noncudnn_model.predict(x_test, verbose=0), model.predict(x_test, verbose=0),
                  atol=1e-5))
noncudnn_history = noncudnn_model.fit(x_train, y_train, validation_data=(x_test, y_test),
                                      batch_size=batch_size, epochs=1, verbose=2)

with tf.device("CPU:0"):
    cpu_model = build_model(allow_cudnn_kernel=True)
    cpu_model.set_weights(model.get_weights())
    result = np.argmax(cpu_model.predict_on_batch(np.expand_dims(sample, 0)), axis=1)
    print("Predicted result is: %s, target result is: %s" % (result, sample_label))


# ## RNNs with list/dict inputs, or nested inputs
class NestedCell(keras.layers.Layer):
    def __init__(self, unit_1, unit_2, unit_3, **kwargs):
        self.unit_1 = unit_1
        self.unit_2 = unit_2
        self.unit_3 = unit_3
        self.state_size = [tf.TensorShape([unit_1]), tf.TensorShape([unit_2, unit_3])]
        self.output_size = [tf.TensorShape([unit_1]), tf.TensorShape([unit_2, unit_3])]
        super().__init__(**kwargs)

    def build(self, input_shapes):
        # expect input_shape to contain 2 items, [(batch, i1), (batch, i2, i3)]
        i1 = input_shapes[0][1]
        i2 = input_shapes[1][1]
        i3 = input_shapes[1][2]
        self.kernel_1 = self.add_weight(shape=(i1, self.unit_1), initializer="uniform",
                                        name="kernel_1")
        self.kernel_2_3 = self.add_weight(shape=(i2, i3, self.unit_2, self.unit_3),
                                          initializer="uniform", name="kernel_2_3")

    def call(self, inputs, states):
        # inputs: [(batch, input_1), (batch, input_2, input_3)]
        # states: [(batch, unit_1), (batch, unit_2, unit_3)]
        input_1, input_2 = keras.tree.flatten(inputs)   # (the guide: tf.nest.flatten)
        s1, s2 = states
        output_1 = tf.matmul(input_1, self.kernel_1)
        output_2_3 = tf.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)
        state_1 = s1 + output_1
        state_2_3 = s2 + output_2_3
        output = (output_1, output_2_3)
        new_states = (state_1, state_2_3)
        return output, new_states

    def get_config(self):
        return {"unit_1": self.unit_1, "unit_2": self.unit_2, "unit_3": self.unit_3}


unit_1 = 10
unit_2 = 20
unit_3 = 30
i1 = 32
i2 = 64
i3 = 32
batch_size = 64
num_batches = 1
timestep = 6

cell = NestedCell(unit_1, unit_2, unit_3)
rnn = keras.layers.RNN(cell)
input_1 = keras.Input((None, i1))
input_2 = keras.Input((None, i2, i3))
outputs = rnn((input_1, input_2))
nested = keras.models.Model([input_1, input_2], outputs)
nested.compile(optimizer="adam", loss="mse", metrics=["accuracy"])

input_1_data = np.random.random((batch_size * num_batches, timestep, i1))
input_2_data = np.random.random((batch_size * num_batches, timestep, i2, i3))
target_1_data = np.random.random((batch_size * num_batches, unit_1))
target_2_data = np.random.random((batch_size * num_batches, unit_2, unit_3))
input_data = [input_1_data, input_2_data]
target_data = [target_1_data, target_2_data]
nested_history = nested.fit(input_data, target_data, batch_size=batch_size, epochs=2,
                            verbose=0)
print("nested losses:", [round(v, 4) for v in nested_history.history["loss"]])
