"""keras-team/keras examples/mnist_siamese.py (Keras 2 era), at a tiny scale and on synthetic
"digits" (a noisy prototype per class) instead of MNIST: a shared base network applied to two
inputs, a Lambda layer computing the euclidean distance with K.sqrt/K.sum/K.square/K.maximum/
K.epsilon, the contrastive loss written with the backend, RMSprop, and a custom accuracy
metric (K.cast(y_pred < 0.5)) passed to compile."""
from __future__ import absolute_import
from __future__ import print_function
import numpy as np

import random
from dlcore_static import set_random_seed
from dlcore_static.keras.models import Model
from dlcore_static.keras.layers import Input, Flatten, Dense, Dropout, Lambda
from dlcore_static.keras.optimizers import RMSprop
from dlcore_static.keras import backend as K

num_classes = 4
epochs = 6
np.random.seed(4)
random.seed(4)
set_random_seed(4)


def euclidean_distance(vects):
    x, y = vects
    sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
    return K.sqrt(K.maximum(sum_square, K.epsilon()))


def eucl_dist_output_shape(shapes):
    shape1, shape2 = shapes
    return (shape1[0], 1)


def contrastive_loss(y_true, y_pred):
    '''Contrastive loss from Hadsell-et-al.'06
    http://yann.lecun.com/exdb/publis/pdf/hadsell-chopra-lecun-06.pdf
    '''
    margin = 1
    square_pred = K.square(y_pred)
    margin_square = K.square(K.maximum(margin - y_pred, 0))
    return K.mean(y_true * square_pred + (1 - y_true) * margin_square)


def create_pairs(x, digit_indices):
    '''Positive and negative pair creation.
    Alternates between positive and negative pairs.
    '''
    pairs = []
    labels = []
    n = min([len(digit_indices[d]) for d in range(num_classes)]) - 1
    for d in range(num_classes):
        for i in range(n):
            z1, z2 = digit_indices[d][i], digit_indices[d][i + 1]
            pairs += [[x[z1], x[z2]]]
            inc = random.randrange(1, num_classes)
            dn = (d + inc) % num_classes
            z1, z2 = digit_indices[d][i], digit_indices[dn][i]
            pairs += [[x[z1], x[z2]]]
            labels += [1, 0]
    return np.array(pairs), np.array(labels)


def create_base_network(input_shape):
    '''Base network to be shared (eq. to feature extraction).
    '''
    input = Input(shape=input_shape)
    x = Flatten()(input)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.1)(x)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.1)(x)
    x = Dense(16, activation='relu')(x)
    return Model(input, x)


def compute_accuracy(y_true, y_pred):
    '''Compute classification accuracy with a fixed threshold on distances.
    '''
    pred = y_pred.ravel() < 0.5
    return np.mean(pred == y_true)


def accuracy(y_true, y_pred):
    '''Compute classification accuracy with a fixed threshold on distances.
    '''
    return K.mean(K.equal(y_true, K.cast(y_pred < 0.5, y_true.dtype)))


# synthetic 8x8 "digits": a prototype per class plus noise
prototypes = np.random.rand(num_classes, 8, 8)
y_train = np.random.randint(0, num_classes, 200)
y_test = np.random.randint(0, num_classes, 80)
x_train = prototypes[y_train] + 0.35 * np.random.randn(200, 8, 8)
x_test = prototypes[y_test] + 0.35 * np.random.randn(80, 8, 8)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
input_shape = x_train.shape[1:]

# create training+test positive and negative pairs
digit_indices = [np.where(y_train == i)[0] for i in range(num_classes)]
tr_pairs, tr_y = create_pairs(x_train, digit_indices)

digit_indices = [np.where(y_test == i)[0] for i in range(num_classes)]
te_pairs, te_y = create_pairs(x_test, digit_indices)
print('pairs:', tr_pairs.shape, te_pairs.shape)

# network definition
base_network = create_base_network(input_shape)

input_a = Input(shape=input_shape)
input_b = Input(shape=input_shape)

# because we re-use the same instance `base_network`,
# the weights of the network
# will be shared across the two branches
processed_a = base_network(input_a)
processed_b = base_network(input_b)

distance = Lambda(euclidean_distance,
                  output_shape=eucl_dist_output_shape)([processed_a, processed_b])

model = Model([input_a, input_b], distance)

# train
rms = RMSprop()
model.compile(loss=contrastive_loss, optimizer=rms, metrics=[accuracy])
history = model.fit([tr_pairs[:, 0], tr_pairs[:, 1]], tr_y,
                    batch_size=32,
                    epochs=epochs,
                    validation_data=([te_pairs[:, 0], te_pairs[:, 1]], te_y), verbose=0)
print('history keys:', sorted(history.history))
print('loss:', ' '.join('%.4f' % v for v in history.history['loss']))

# compute final accuracy on training and test sets
y_pred = model.predict([tr_pairs[:, 0], tr_pairs[:, 1]])
tr_acc = compute_accuracy(tr_y, y_pred)
y_pred = model.predict([te_pairs[:, 0], te_pairs[:, 1]])
te_acc = compute_accuracy(te_y, y_pred)

print('* Accuracy on training set: %0.2f%%' % (100 * tr_acc))
print('* Accuracy on test set: %0.2f%%' % (100 * te_acc))
print('val_accuracy (last epoch): %.4f' % history.history['val_accuracy'][-1])
