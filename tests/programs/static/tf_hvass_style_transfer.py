"""Hvass-Labs TensorFlow-Tutorials, 15_Style_Transfer.ipynb (TF 1.x), imports renamed, with the
pre-trained VGG16 (a GraphDef loaded from a file) replaced by a tiny fixed convolutional network
with the same interface (``model.graph``, ``model.input``, ``model.layer_names``,
``get_layer_tensors`` by ``graph.get_tensor_by_name``, ``create_feed_dict`` keyed by the input's
tensor *name* "images:0"), on 12x12 synthetic images for 60 iterations.  As written: the content
loss against ``tf.constant`` copies of the layer values, the style loss on Gram matrices
(``tf.matmul(tf.transpose(matrix), matrix)``), the total-variation denoise loss, the three
``adj_*`` variables updated by ``assign(1.0 / (loss + 1e-10))`` in the same run as the gradient,
an InteractiveSession on the model's graph, gradient steps on the image in NumPy."""
import numpy as np

import dlcore_static as tf

rng = np.random.RandomState(15)


class TinyVGG:
    """The tutorial's vgg16.VGG16 interface on a fixed random network."""
    tensor_name_input_image = "images:0"
    layer_names = ['conv1_1/conv1_1', 'conv1_2/conv1_2', 'conv2_1/conv2_1', 'conv2_2/conv2_2']

    def __init__(self):
        self.graph = tf.Graph()
        with self.graph.as_default():
            images = tf.placeholder(tf.float32, [None, None, None, 3], name="images")
            net = images / 255.0
            chans = [3, 8, 8, 12, 12]
            for k, name in enumerate(self.layer_names):
                scope = name.split('/')[0]
                w = (rng.randn(3, 3, chans[k], chans[k + 1]) / np.sqrt(9 * chans[k])).astype(np.float32)
                with tf.name_scope(scope):
                    net = tf.nn.relu(tf.nn.conv2d(net, tf.constant(w), [1, 1, 1, 1], "SAME"),
                                     name=scope)
                if k == 1:
                    net = tf.nn.avg_pool(net, [1, 2, 2, 1], [1, 2, 2, 1], "SAME", name="pool1")
            self.input = self.graph.get_tensor_by_name(self.tensor_name_input_image)
            self.layer_tensors = [self.graph.get_tensor_by_name(name + ":0") for name in self.layer_names]

    def get_layer_tensors(self, layer_ids):
        return [self.layer_tensors[idx] for idx in layer_ids]

    def get_layer_names(self, layer_ids):
        return [self.layer_names[idx] for idx in layer_ids]

    def create_feed_dict(self, image):
        image = np.expand_dims(image, axis=0)
        feed_dict = {self.tensor_name_input_image: image}
        return feed_dict


def mean_squared_error(a, b):
    return tf.reduce_mean(tf.square(a - b))


def create_content_loss(session, model, content_image, layer_ids):
    feed_dict = model.create_feed_dict(image=content_image)
    layers = model.get_layer_tensors(layer_ids)
    values = session.run(layers, feed_dict=feed_dict)
    with model.graph.as_default():
        layer_losses = []
        for value, layer in zip(values, layers):
            value_const = tf.constant(value)
            loss = mean_squared_error(layer, value_const)
            layer_losses.append(loss)
        total_loss = tf.reduce_mean(layer_losses)
    return total_loss


def gram_matrix(tensor):
    shape = tensor.get_shape()
    num_channels = int(shape[3])
    matrix = tf.reshape(tensor, shape=[-1, num_channels])
    gram = tf.matmul(tf.transpose(matrix), matrix)
    return gram


def create_style_loss(session, model, style_image, layer_ids):
    feed_dict = model.create_feed_dict(image=style_image)
    layers = model.get_layer_tensors(layer_ids)
    with model.graph.as_default():
        gram_layers = [gram_matrix(layer) for layer in layers]
        values = session.run(gram_layers, feed_dict=feed_dict)
        layer_losses = []
        for value, gram_layer in zip(values, gram_layers):
            value_const = tf.constant(value)
            loss = mean_squared_error(gram_layer, value_const)
            layer_losses.append(loss)
        total_loss = tf.reduce_mean(layer_losses)
    return total_loss


def create_denoise_loss(model):
    loss = tf.reduce_sum(tf.abs(model.input[:,1:,:,:] - model.input[:,:-1,:,:])) + \
           tf.reduce_sum(tf.abs(model.input[:,:,1:,:] - model.input[:,:,:-1,:]))
    return loss


history = []


def style_transfer(content_image, style_image,
                   content_layer_ids, style_layer_ids,
                   weight_content=1.5, weight_style=10.0,
                   weight_denoise=0.3,
                   num_iterations=120, step_size=10.0):
    global model, session, loss_content, loss_style, loss_denoise
    model = TinyVGG()
    session = tf.InteractiveSession(graph=model.graph)

    print("Content layers:")
    print(model.get_layer_names(content_layer_ids))
    print()
    print("Style layers:")
    print(model.get_layer_names(style_layer_ids))
    print()

    loss_content = create_content_loss(session=session, model=model,
                                       content_image=content_image,
                                       layer_ids=content_layer_ids)
    loss_style = create_style_loss(session=session, model=model,
                                   style_image=style_image,
                                   layer_ids=style_layer_ids)
    loss_denoise = create_denoise_loss(model)

    adj_content = tf.Variable(1e-10, name='adj_content')
    adj_style = tf.Variable(1e-10, name='adj_style')
    adj_denoise = tf.Variable(1e-10, name='adj_denoise')

    session.run([adj_content.initializer,
                 adj_style.initializer,
                 adj_denoise.initializer])

    update_adj_content = adj_content.assign(1.0 / (loss_content + 1e-10))
    update_adj_style = adj_style.assign(1.0 / (loss_style + 1e-10))
    update_adj_denoise = adj_denoise.assign(1.0 / (loss_denoise + 1e-10))

    loss_combined = weight_content * adj_content * loss_content + \
                    weight_style * adj_style * loss_style + \
                    weight_denoise * adj_denoise * loss_denoise

    gradient = tf.gradients(loss_combined, model.input)

    run_list = [gradient, update_adj_content, update_adj_style, \
                update_adj_denoise]

    mixed_image = np.random.rand(*content_image.shape) + 128

    for i in range(num_iterations):
        feed_dict = model.create_feed_dict(image=mixed_image)
        grad, adj_content_val, adj_style_val, adj_denoise_val \
        = session.run(run_list, feed_dict=feed_dict)
        grad = np.squeeze(grad)
        step_size_scaled = step_size / (np.std(grad) + 1e-8)
        mixed_image -= grad * step_size_scaled
        mixed_image = np.clip(mixed_image, 0.0, 255.0)
        history.append(session.run([loss_content, loss_style, loss_denoise],
                                   feed_dict=model.create_feed_dict(image=mixed_image)))
        if (i % 20 == 0) or (i == num_iterations - 1):
            print()
            print("Iteration:", i)
            msg = "Weight Adj. for Content: {0:.2e}, Style: {1:.2e}, Denoise: {2:.2e}"
            print(msg.format(adj_content_val, adj_style_val, adj_denoise_val))

    print()
    print("Final image:")
    return mixed_image


np.random.seed(0)
yy, xx = np.mgrid[0:12, 0:12]
content_image = np.stack([np.where(xx < 6, 200.0, 40.0), np.where(yy < 6, 180.0, 60.0),
                          np.full((12, 12), 100.0)], -1)
style_image = np.stack([((xx + yy) % 4 < 2) * 255.0, ((xx - yy) % 3 == 0) * 200.0,
                        (xx % 2) * 150.0], -1)
content_layer_ids = [3]
style_layer_ids = list(range(4))

img = style_transfer(content_image=content_image,
                     style_image=style_image,
                     content_layer_ids=content_layer_ids,
                     style_layer_ids=style_layer_ids,
                     weight_content=1.5,
                     weight_style=10.0,
                     weight_denoise=0.3,
                     num_iterations=60,
                     step_size=10.0)
