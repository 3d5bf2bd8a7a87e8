"""keras-team/keras examples/neural_style_transfer.py (Keras 2), as written, at a tiny size:
the combination image is a K.placeholder, concatenated with two K.variable images as the
network's input_tensor; content, style (Gram matrices of K.batch_flatten'ed
K.permute_dimensions) and total variation losses summed into ``loss = K.variable(0.0); loss +=
...``; K.gradients and K.function give loss and gradient to scipy's fmin_l_bfgs_b through the
Evaluator class; each iteration's image is saved with save_img.  vgg19.VGG19(weights='imagenet')
is replaced by ``vgg19_tiny``: the same block names (block1_conv1 ... block5_conv2) on a
3-filter-per-layer VGG with fixed random weights (no download).  12x16 images written here.
Usage: keras_neural_style_transfer.py DIR [ITERATIONS]"""
from __future__ import print_function
from dlcore_static.keras.preprocessing.image import load_img, save_img, img_to_array
import numpy as np
from scipy.optimize import fmin_l_bfgs_b
import time
import os
import sys

from dlcore_static.keras.layers import Conv2D, Input, MaxPooling2D
from dlcore_static.keras.models import Model
from dlcore_static.keras import backend as K

out_dir = sys.argv[1]
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 1


def vgg19_tiny(input_tensor):
    """VGG19's convolutional base (include_top=False), 3 filters a layer, 2 layers a block."""
    rs = np.random.RandomState(42)
    img_input = Input(tensor=input_tensor)
    x = img_input
    for block in range(1, 6):
        for conv in range(1, 3):
            layer = Conv2D(3, (3, 3), activation='relu', padding='same',
                           name='block%d_conv%d' % (block, conv))
            x = layer(x)
            fan_in = 3 * 9
            layer.set_weights([rs.normal(0, np.sqrt(2.0 / fan_in), (3, 3, 3, 3)),
                               rs.uniform(0, 0.1, 3)])
        if block < 3:
            x = MaxPooling2D((2, 2), strides=(2, 2), name='block%d_pool' % block)(x)
    return Model(img_input, x, name='vgg19')


def write_inputs(d):
    rs = np.random.RandomState(0)
    yy, xx = np.mgrid[0:12, 0:16]
    content = np.stack([yy * 20, xx * 15, 255 - yy * 20], -1) + rs.randint(0, 20, (12, 16, 3))
    style = np.where(((yy // 2 + xx // 2) % 2)[..., None] == 1, [230, 40, 40], [30, 30, 200])
    save_img(os.path.join(d, 'content.png'), np.clip(content, 0, 255).astype('uint8'))
    save_img(os.path.join(d, 'style.png'), style.astype('uint8'))


write_inputs(out_dir)
base_image_path = os.path.join(out_dir, 'content.png')
style_reference_image_path = os.path.join(out_dir, 'style.png')
result_prefix = os.path.join(out_dir, 'result')

# these are the weights of the different loss components
total_variation_weight = 1.0
style_weight = 1.0
content_weight = 0.025

# dimensions of the generated picture.
width, height = load_img(base_image_path).size
img_nrows = 8
img_ncols = int(width * img_nrows / height)

# util function to open, resize and format pictures into appropriate tensors


def preprocess_input(x):
    """vgg19.preprocess_input ('caffe' mode): RGB -> BGR, minus the ImageNet means."""
    x = x[..., ::-1]
    return x - np.array([103.939, 116.779, 123.68])


def preprocess_image(image_path):
    img = load_img(image_path, target_size=(img_nrows, img_ncols))
    img = img_to_array(img)
    img = np.expand_dims(img, axis=0)
    img = preprocess_input(img)
    return img

# util function to convert a tensor into a valid image


def deprocess_image(x):
    if K.image_data_format() == 'channels_first':
        x = x.reshape((3, img_nrows, img_ncols))
        x = x.transpose((1, 2, 0))
    else:
        x = x.reshape((img_nrows, img_ncols, 3))
    # Remove zero-center by mean pixel
    x[:, :, 0] += 103.939
    x[:, :, 1] += 116.779
    x[:, :, 2] += 123.68
    # 'BGR'->'RGB'
    x = x[:, :, ::-1]
    x = np.clip(x, 0, 255).astype('uint8')
    return x

# get tensor representations of our images
base_image = K.variable(preprocess_image(base_image_path))
style_reference_image = K.variable(preprocess_image(style_reference_image_path))

# this will contain our generated image
if K.image_data_format() == 'channels_first':
    combination_image = K.placeholder((1, 3, img_nrows, img_ncols))
else:
    combination_image = K.placeholder((1, img_nrows, img_ncols, 3))

# combine the 3 images into a single Keras tensor
input_tensor = K.concatenate([base_image,
                              style_reference_image,
                              combination_image], axis=0)

# build the VGG19 network with our 3 images as input
# the model will be loaded with pre-trained ImageNet weights
model = vgg19_tiny(input_tensor=input_tensor)
print('Model loaded.')

# get the symbolic outputs of each "key" layer (we gave them unique names).
outputs_dict = dict([(layer.name, layer.output) for layer in model.layers])

# compute the neural style loss
# first we need to define 4 util functions

# the gram matrix of an image tensor (feature-wise outer product)


def gram_matrix(x):
    assert K.ndim(x) == 3
    if K.image_data_format() == 'channels_first':
        features = K.batch_flatten(x)
    else:
        features = K.batch_flatten(K.permute_dimensions(x, (2, 0, 1)))
    gram = K.dot(features, K.transpose(features))
    return gram

# the "style loss" is designed to maintain
# the style of the reference image in the generated image.
# It is based on the gram matrices (which capture style) of
# feature maps from the style reference image
# and from the generated image


def style_loss(style, combination):
    assert K.ndim(style) == 3
    assert K.ndim(combination) == 3
    S = gram_matrix(style)
    C = gram_matrix(combination)
    channels = 3
    size = img_nrows * img_ncols
    return K.sum(K.square(S - C)) / (4.0 * (channels ** 2) * (size ** 2))

# an auxiliary loss function
# designed to maintain the "content" of the
# base image in the generated image


def content_loss(base, combination):
    return K.sum(K.square(combination - base))

# the 3rd loss function, total variation loss,
# designed to keep the generated image locally coherent


def total_variation_loss(x):
    assert K.ndim(x) == 4
    if K.image_data_format() == 'channels_first':
        a = K.square(
            x[:, :, :img_nrows - 1, :img_ncols - 1] - x[:, :, 1:, :img_ncols - 1])
        b = K.square(
            x[:, :, :img_nrows - 1, :img_ncols - 1] - x[:, :, :img_nrows - 1, 1:])
    else:
        a = K.square(
            x[:, :img_nrows - 1, :img_ncols - 1, :] - x[:, 1:, :img_ncols - 1, :])
        b = K.square(
            x[:, :img_nrows - 1, :img_ncols - 1, :] - x[:, :img_nrows - 1, 1:, :])
    return K.sum(K.pow(a + b, 1.25))


# combine these loss functions into a single scalar
loss = K.variable(0.0)
layer_features = outputs_dict['block5_conv2']
base_image_features = layer_features[0, :, :, :]
combination_features = layer_features[2, :, :, :]
loss += content_weight * content_loss(base_image_features,
                                      combination_features)

feature_layers = ['block1_conv1', 'block2_conv1',
                  'block3_conv1', 'block4_conv1',
                  'block5_conv1']
for layer_name in feature_layers:
    layer_features = outputs_dict[layer_name]
    style_reference_features = layer_features[1, :, :, :]
    combination_features = layer_features[2, :, :, :]
    sl = style_loss(style_reference_features, combination_features)
    loss += (style_weight / len(feature_layers)) * sl
loss += total_variation_weight * total_variation_loss(combination_image)

# get the gradients of the generated image wrt the loss
grads = K.gradients(loss, combination_image)

outputs = [loss]
if isinstance(grads, (list, tuple)):
    outputs += grads
else:
    outputs.append(grads)

f_outputs = K.function([combination_image], outputs)


def eval_loss_and_grads(x):
    if K.image_data_format() == 'channels_first':
        x = x.reshape((1, 3, img_nrows, img_ncols))
    else:
        x = x.reshape((1, img_nrows, img_ncols, 3))
    outs = f_outputs([x])
    loss_value = outs[0]
    if len(outs[1:]) == 1:
        grad_values = outs[1].flatten().astype('float64')
    else:
        grad_values = np.array(outs[1:]).flatten().astype('float64')
    return loss_value, grad_values

# this Evaluator class makes it possible
# to compute loss and gradients in one pass
# while retrieving them via two separate functions,
# "loss" and "grads". This is done because scipy.optimize
# requires separate functions for loss and gradients,
# but computing them separately would be inefficient.


class Evaluator(object):

    def __init__(self):
        self.loss_value = None
        self.grads_values = None

    def loss(self, x):
        assert self.loss_value is None
        loss_value, grad_values = eval_loss_and_grads(x)
        self.loss_value = loss_value
        self.grad_values = grad_values
        return self.loss_value

    def grads(self, x):
        assert self.loss_value is not None
        grad_values = np.copy(self.grad_values)
        self.loss_value = None
        self.grad_values = None
        return grad_values


evaluator = Evaluator()

# run scipy-based optimization (L-BFGS) over the pixels of the generated image
# so as to minimize the neural style loss
x = preprocess_image(base_image_path)
losses = []

for i in range(iterations):
    print('Start of iteration', i)
    start_time = time.time()
    x, min_val, info = fmin_l_bfgs_b(evaluator.loss, x.flatten(),
                                     fprime=evaluator.grads, maxfun=20)
    print('Current loss value:', min_val)
    losses.append(float(min_val))
    # save current generated image
    img = deprocess_image(x.copy())
    fname = result_prefix + '_at_iteration_%d.png' % i
    save_img(fname, img)
    end_time = time.time()
    print('Image saved as', fname)
    print('Iteration %d completed in %ds' % (i, end_time - start_time))
