"""A custom Keras layer written with the backend (the Keras guide's "MyLayer"), in a Sequential
model with a Lambda layer, trained with SGD."""
import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras import backend as K
from dlcore_static.keras.layers import Activation, Lambda, Layer
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.optimizers import SGD
from dlcore_static.keras.utils import to_categorical


class MyLayer(Layer):

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super(MyLayer, self).__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim),
                                      initializer="uniform", trainable=True)
        super(MyLayer, self).build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


np.random.seed(5)
set_random_seed(5)
x_train = np.random.randn(300, 4).astype("float32")
y_train = to_categorical(np.argmax(x_train[:, :3], axis=1), num_classes=3)

model = Sequential()
model.add(Lambda(lambda t: K.l2_normalize(t, axis=1), input_shape=(4,)))
model.add(MyLayer(3))
model.add(Activation("softmax"))
model.compile(loss="categorical_crossentropy", optimizer=SGD(lr=0.5, momentum=0.9),
              metrics=["accuracy"])
model.summary()
hist = model.fit(x_train, y_train, epochs=15, batch_size=30, verbose=0, shuffle=False)
print("losses:", " ".join("%.4f" % v for v in hist.history["loss"][::7]))
print("final accuracy: %.4f" % hist.history["accuracy"][-1])
kernel = model.layers[1].get_weights()[0]
pred = model.predict(x_train[:4])
z = (x_train[:4] / np.linalg.norm(x_train[:4], axis=1, keepdims=True)) @ kernel
ref = np.exp(z - z.max(1, keepdims=True))
ref /= ref.sum(1, keepdims=True)
print("max |predict - numpy|: %.2e" % np.abs(pred - ref).max())
