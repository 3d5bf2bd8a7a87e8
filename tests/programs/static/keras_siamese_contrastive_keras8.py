"""keras.io "Image similarity estimation using a Siamese Network with a contrastive loss"
(Mehdi; examples/vision/siamese_contrastive.py, the Keras 3 version) with its imports renamed
(``keras`` -> ``dlcore_static.keras``), at a tiny scale: 28x28 synthetic "digits" (five
stroke prototypes shifted by up to two pixels, with noise; 60 training, 30 validation and 30
test images) instead of MNIST's 60,000, 3 epochs instead of 10.  The program is the page's:
``make_pairs`` (one positive and one negative pair per image, labels 0 and 1), the
embedding network (BatchNormalization, two Conv2D tanh + AveragePooling2D, Flatten,
BatchNormalization, Dense tanh) applied as a layer to both inputs, the ``Lambda`` euclidean
distance with ``output_shape=(1,)``, the contrastive loss closure, ``compile`` with
``optimizer="RMSprop"`` and ``metrics=["accuracy"]``, ``fit`` with ``validation_data``,
``evaluate`` and ``predict``.  The page's matplotlib plots (``visualize``, ``plt_metric``)
are left out."""

import random

import numpy as np
from dlcore_static import keras
from dlcore_static.keras import ops

"""
## Hyperparameters
"""

epochs = 3
batch_size = 16
margin = 1  # Margin for contrastive loss.

"""
## Load the dataset (here: synthetic digits)
"""

random.seed(8)
gen = np.random.default_rng(8)
protos = np.zeros((5, 28, 28), "float32")
protos[0, 6:22, 12:16] = 1                                   # |
protos[1, 12:16, 6:22] = 1                                   # -
for k in range(6, 22):
    protos[2, k, k - 1:k + 2] = 1                            # \
    protos[3, k, 27 - k - 1:27 - k + 2] = 1                  # /
protos[4, 6:22, 6:8] = protos[4, 6:22, 20:22] = protos[4, 6:8, 6:22] = protos[4, 20:22, 6:22] = 1


def load_data(n):
    y = gen.integers(0, 5, n)
    x = np.stack([np.roll(protos[c], tuple(gen.integers(-2, 3, 2)), (0, 1)) for c in y])
    return (np.clip(x + 0.3 * gen.random(x.shape), 0, 1) * 255).astype("uint8"), y


(x_train_val, y_train_val), (x_test, y_test) = load_data(90), load_data(30)

# Change the data type to a floating point format
x_train_val = x_train_val.astype("float32")
x_test = x_test.astype("float32")

"""
## Define training and validation sets
"""

# Keep 50% of train_val  in validation set
x_train, x_val = x_train_val[:60], x_train_val[60:]
y_train, y_val = y_train_val[:60], y_train_val[60:]
del x_train_val, y_train_val

"""
## Create pairs of images
"""


def make_pairs(x, y):
    """Creates a tuple containing image pairs with corresponding label.

    Arguments:
        x: List containing images, each index in this list corresponds to one image.
        y: List containing labels, each label with datatype of `int`.

    Returns:
        Tuple containing two numpy arrays as (pairs_of_samples, labels),
        where pairs_of_samples' shape is (2len(x), 2,n_features_dims) and
        labels are a binary array of shape (2len(x)).
    """

    num_classes = max(y) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]

    pairs = []
    labels = []

    for idx1 in range(len(x)):
        # add a matching example
        x1 = x[idx1]
        label1 = y[idx1]
        idx2 = random.choice(digit_indices[label1])
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [0]

        # add a non-matching example
        label2 = random.randint(0, num_classes - 1)
        while label2 == label1:
            label2 = random.randint(0, num_classes - 1)

        idx2 = random.choice(digit_indices[label2])
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [1]

    return np.array(pairs), np.array(labels).astype("float32")


# make train pairs
pairs_train, labels_train = make_pairs(x_train, y_train)

# make validation pairs
pairs_val, labels_val = make_pairs(x_val, y_val)

# make test pairs
pairs_test, labels_test = make_pairs(x_test, y_test)

print(pairs_train.shape, labels_train.shape)

x_train_1 = pairs_train[:, 0]  # x_train_1.shape is (120, 28, 28)
x_train_2 = pairs_train[:, 1]

x_val_1 = pairs_val[:, 0]  # x_val_1.shape = (60, 28, 28)
x_val_2 = pairs_val[:, 1]

x_test_1 = pairs_test[:, 0]  # x_test_1.shape = (60, 28, 28)
x_test_2 = pairs_test[:, 1]

"""
## Define the model
"""


# Provided two tensors t1 and t2
# Euclidean distance = sqrt(sum(square(t1-t2)))
def euclidean_distance(vects):
    """Find the Euclidean distance between two vectors.

    Arguments:
        vects: List containing two tensors of same length.

    Returns:
        Tensor containing euclidean distance
        (as floating point value) between vectors.
    """

    x, y = vects
    sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))


input = keras.layers.Input((28, 28, 1))
x = keras.layers.BatchNormalization()(input)
x = keras.layers.Conv2D(4, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Conv2D(16, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Flatten()(x)

x = keras.layers.BatchNormalization()(x)
x = keras.layers.Dense(10, activation="tanh")(x)
embedding_network = keras.Model(input, x)


input_1 = keras.layers.Input((28, 28, 1))
input_2 = keras.layers.Input((28, 28, 1))

# As mentioned above, Siamese Network share weights between
# tower networks (sister networks). To allow this, we will use
# same embedding network for both tower networks.
tower_1 = embedding_network(input_1)
tower_2 = embedding_network(input_2)

merge_layer = keras.layers.Lambda(euclidean_distance, output_shape=(1,))(
    [tower_1, tower_2]
)
normal_layer = keras.layers.BatchNormalization()(merge_layer)
output_layer = keras.layers.Dense(1, activation="sigmoid")(normal_layer)
siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)

"""
## Define the contrastive Loss
"""


def loss(margin=1):
    """Provides 'contrastive_loss' an enclosing scope with variable 'margin'.

    Arguments:
        margin: Integer, defines the baseline for distance for which pairs
                should be classified as dissimilar. - (default is 1).

    Returns:
        'contrastive_loss' function with data ('margin') attached.
    """

    # Contrastive loss = mean( (1-true_value) * square(prediction) +
    #                         true_value * square( max(margin-prediction, 0) ))
    def contrastive_loss(y_true, y_pred):
        """Calculates the contrastive loss.

        Arguments:
            y_true: List of labels, each label is of type float32.
            y_pred: List of predictions of same length as of y_true,
                    each label is of type float32.

        Returns:
            A tensor containing contrastive loss as floating point value.
        """

        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
        return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


"""
## Compile the model with the contrastive loss
"""

siamese.compile(loss=loss(margin=margin), optimizer="RMSprop", metrics=["accuracy"])
siamese.summary()

"""
## Train the model
"""

history = siamese.fit(
    [x_train_1, x_train_2],
    labels_train,
    validation_data=([x_val_1, x_val_2], labels_val),
    batch_size=batch_size,
    epochs=epochs,
)

"""
## Evaluate the model
"""

results = siamese.evaluate([x_test_1, x_test_2], labels_test)
print("test loss, test acc:", results)

predictions = siamese.predict([x_test_1, x_test_2])
