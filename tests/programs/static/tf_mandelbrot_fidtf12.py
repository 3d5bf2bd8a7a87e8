"""The TensorFlow 1 tutorial "Mandelbrot Set" (tensorflow/docs r1.x, tutorials/non-ml/mandelbrot),
as written, at a tiny size: a complex64 grid Z, a complex64 variable zs, an integer-valued float
variable ns counting the steps each point stayed bounded; one step is zs**2 + c, a tf.abs test
and a tf.group of two assigns, run 200 times through an InteractiveSession's op.run().
The tutorial's DisplayFractal colouring is kept, its PIL/IPython display is replaced by
printing a checksum and returning the image array."""
# Import libraries for simulation
import dlcore_static as tf
import numpy as np


def DisplayFractal(a, fmt='jpeg'):
    """Display an array of iteration counts as a
       colorful picture of a fractal."""
    a_cyclic = (6.28 * a / 20.0).reshape(list(a.shape) + [1])
    img = np.concatenate([10 + 20 * np.cos(a_cyclic),
                          30 + 50 * np.sin(a_cyclic),
                          155 - 80 * np.cos(a_cyclic)], 2)
    img[a == a.max()] = 0
    a = img
    a = np.uint8(np.clip(a, 0, 255))
    return a


sess = tf.InteractiveSession()

# Use NumPy to create a 2D array of complex numbers
Y, X = np.mgrid[-1.3:1.3:0.05, -2:1:0.05]
Z = X + 1j * Y

xs = tf.constant(Z.astype(np.complex64))
zs = tf.Variable(xs)
ns = tf.Variable(tf.zeros_like(xs, tf.float32))

tf.global_variables_initializer().run()

# Compute the new values of z: z^2 + x
zs_ = zs * zs + xs

# Have we diverged with this new value?
not_diverged = tf.abs(zs_) < 4

# Operation to update the zs and the iteration count.
#
# Note: We keep computing zs after they diverge! This
#       is very wasteful! There are better, if a little
#       less simple, ways to do this.
#
step = tf.group(
    zs.assign(zs_),
    ns.assign_add(tf.cast(not_diverged, tf.float32))
)

for i in range(200):
    step.run()

counts = ns.eval()
image = DisplayFractal(counts)
print("grid", Z.shape, "dtype", zs.dtype.name, "max count", counts.max(),
      "bounded points", int((counts == 200).sum()))
sess.close()
