"""keras-team/keras examples/conv_filter_visualization.py (Keras 2.2), as written, at a tiny
size: for each filter of one convolutional layer, gradient ascent on a random input image (the
mean activation as the loss, K.gradients of it with respect to model.input normalised by its
RMS, K.function giving loss and gradient), the filters whose loss stays positive deprocessed
and stitched into an n x n grid saved with save_img.  vgg16.VGG16(weights='imagenet',
include_top=False) is replaced by ``vgg16_tiny``: VGG16's block names on an input of unknown
height and width (None, None, 3), 4 filters a layer, fixed random weights (no download).
Usage: keras_conv_filter_visualization.py DIR"""
from __future__ import print_function

import os
import sys

import numpy as np
import time
from dlcore_static.keras.preprocessing.image import save_img
from dlcore_static.keras.layers import Conv2D, Input, MaxPooling2D
from dlcore_static.keras.models import Model
from dlcore_static.keras import backend as K

# dimensions of the generated pictures for each filter.
img_width = 16
img_height = 16

# the name of the layer we want to visualize
# (see model definition at keras/applications/vgg16.py)
layer_name = 'block3_conv1'
out_dir = sys.argv[1] if len(sys.argv) > 1 else '.'


def vgg16_tiny():
    rs = np.random.RandomState(7)
    img_input = Input(shape=(None, None, 3))
    x = img_input
    chans = 3
    for block, convs in enumerate([2, 2, 3], start=1):
        for conv in range(1, convs + 1):
            layer = Conv2D(4, (3, 3), activation='relu', padding='same',
                           name='block%d_conv%d' % (block, conv))
            x = layer(x)
            layer.set_weights([rs.normal(0, np.sqrt(2.0 / (9 * chans)), (3, 3, chans, 4)),
                               rs.uniform(0.0, 0.05, 4)])
            chans = 4
        x = MaxPooling2D((2, 2), strides=(2, 2), name='block%d_pool' % block)(x)
    return Model(img_input, x, name='vgg16')

# util function to convert a tensor into a valid image


def deprocess_image(x):
    # normalize tensor: center on 0., ensure std is 0.1
    x -= x.mean()
    x /= (x.std() + K.epsilon())
    x *= 0.1

    # clip to [0, 1]
    x += 0.5
    x = np.clip(x, 0, 1)

    # convert to RGB array
    x *= 255
    if K.image_data_format() == 'channels_first':
        x = x.transpose((1, 2, 0))
    x = np.clip(x, 0, 255).astype('uint8')
    return x


# build the VGG16 network with ImageNet weights
model = vgg16_tiny()
print('Model loaded.')

model.summary()

# this is the placeholder for the input images
input_img = model.input

# get the symbolic outputs of each "key" layer (we gave them unique names).
layer_dict = dict([(layer.name, layer) for layer in model.layers[1:]])


def normalize(x):
    # utility function to normalize a tensor by its L2 norm
    return x / (K.sqrt(K.mean(K.square(x))) + K.epsilon())


kept_filters = []
np.random.seed(0)
for filter_index in range(4):
    # we only scan through the first 200 filters,
    # but there are actually 512 of them
    print('Processing filter %d' % filter_index)
    start_time = time.time()

    # we build a loss function that maximizes the activation
    # of the nth filter of the layer considered
    layer_output = layer_dict[layer_name].output
    if K.image_data_format() == 'channels_first':
        loss = K.mean(layer_output[:, filter_index, :, :])
    else:
        loss = K.mean(layer_output[:, :, :, filter_index])

    # we compute the gradient of the input picture wrt this loss
    grads = K.gradients(loss, input_img)[0]

    # normalization trick: we normalize the gradient
    grads = normalize(grads)

    # this function returns the loss and grads given the input picture
    iterate = K.function([input_img], [loss, grads])

    # step size for gradient ascent
    step = 1.

    # we start from a gray image with some random noise
    if K.image_data_format() == 'channels_first':
        input_img_data = np.random.random((1, 3, img_width, img_height))
    else:
        input_img_data = np.random.random((1, img_width, img_height, 3))
    input_img_data = (input_img_data - 0.5) * 20 + 128

    # we run gradient ascent for 20 steps
    for i in range(5):
        loss_value, grads_value = iterate([input_img_data])
        input_img_data += grads_value * step

        print('Current loss value:', loss_value)
        if loss_value <= 0.:
            # some filters get stuck to 0, we can skip them
            break

    # decode the resulting input image
    if loss_value > 0:
        img = deprocess_image(input_img_data[0])
        kept_filters.append((img, loss_value))
    end_time = time.time()
    print('Filter %d processed in %ds' % (filter_index, end_time - start_time))

# we will stich the best 64 filters on a 8 x 8 grid.
n = 1

# the filters that have the highest loss are assumed to be better-looking.
# we will only keep the top 64 filters.
kept_filters.sort(key=lambda x: x[1], reverse=True)
kept_filters = kept_filters[:n * n]

# build a black picture with enough space for
# our 8 x 8 filters of size 128 x 128, with a 5px margin in between
margin = 5
width = n * img_width + (n - 1) * margin
height = n * img_height + (n - 1) * margin
stitched_filters = np.zeros((width, height, 3))

# fill the picture with our saved filters
for i in range(n):
    for j in range(n):
        img, loss = kept_filters[i * n + j]
        width_margin = (img_width + margin) * i
        height_margin = (img_height + margin) * j
        stitched_filters[
            width_margin: width_margin + img_width,
            height_margin: height_margin + img_height, :] = img

# save the result to disk
save_img(os.path.join(out_dir, 'stitched_filters_%dx%d.png' % (n, n)), stitched_filters)
