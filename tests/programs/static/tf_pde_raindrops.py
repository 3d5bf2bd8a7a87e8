"""Partial Differential Equations (the TensorFlow 1 tutorial "pdes.md": raindrops on a pond),
imports renamed, on a 40x40 pond for 100 steps instead of 500x500 for 1000, the pictures left
out (the tutorial shows them with PIL/IPython; here the pond's energy is printed): a Laplacian
by tf.nn.depthwise_conv2d, the state in two Variables updated by one tf.group of assigns, run
through tf.InteractiveSession with Operation.run(feed_dict) and Variable.eval()."""
# Import libraries for simulation
import dlcore_static as tf
import numpy as np

sess = tf.InteractiveSession()


def make_kernel(a):
    """Transform a 2D array into a convolution kernel"""
    a = np.asarray(a)
    a = a.reshape(list(a.shape) + [1, 1])
    return tf.constant(a, dtype=1)


def simple_conv(x, k):
    """A simplified 2D convolution operation"""
    x = tf.expand_dims(tf.expand_dims(x, 0), -1)
    y = tf.nn.depthwise_conv2d(x, k, [1, 1, 1, 1], padding='SAME')
    return y[0, :, :, 0]


def laplace(x):
    """Compute the 2D laplacian of an array"""
    laplace_k = make_kernel([[0.5, 1.0, 0.5],
                             [1.0, -6., 1.0],
                             [0.5, 1.0, 0.5]])
    return simple_conv(x, laplace_k)


N = 40

# Initial Conditions -- some rain drops hit a pond

# Set everything to zero
u_init = np.zeros([N, N], dtype=np.float32)
ut_init = np.zeros([N, N], dtype=np.float32)

# Some rain drops hit a pond at random points
rs = np.random.RandomState(0)
for n in range(8):
    a, b = rs.randint(0, N, 2)
    u_init[a, b] = rs.uniform()

# Parameters:
# eps -- time resolution
# damping -- wave damping
eps = tf.placeholder(tf.float32, shape=())
damping = tf.placeholder(tf.float32, shape=())

# Create variables for simulation state
U = tf.Variable(u_init)
Ut = tf.Variable(ut_init)

# Discretized PDE update rules
U_ = U + eps * Ut
Ut_ = Ut + eps * (laplace(U) - damping * Ut)

# Operation to update the state
step = tf.group(
    U.assign(U_),
    Ut.assign(Ut_))

# Initialize state to initial conditions
tf.global_variables_initializer().run()

# Run 100 steps of PDE
for i in range(100):
    # Step simulation
    step.run({eps: 0.03, damping: 0.04})
    if i % 25 == 0:
        u = U.eval()
        print("step %d: sum(U^2) %.6f max|U| %.6f" % (i, float((u ** 2).sum()),
                                                      float(np.abs(u).max())))

final_u = U.eval()
final_ut = Ut.eval()
print("final: sum(U^2) %.6f" % float((final_u ** 2).sum()))
