"""Knowledge Distillation (keras.io examples/vision, the Keras 3 version: ``Distiller`` overrides
``compile``, ``compute_loss`` and ``call``), imports renamed; 14x14 synthetic "digits" (five
stroke prototypes, shifted, with noise) instead of MNIST, small teacher and student convnets,
a few epochs.  The distillation loss is KL divergence between the temperature-softened teacher
and student distributions, times ``temperature**2``; the student trained from scratch (a
``clone_model`` of it) is the comparison."""
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers
from dlcore_static.keras import ops

keras.utils.set_random_seed(2)

"""
## Construct `Distiller()` class
"""


class Distiller(keras.Model):
    def __init__(self, student, teacher):
        super().__init__()
        self.teacher = teacher
        self.student = student

    def compile(
        self,
        optimizer,
        metrics,
        student_loss_fn,
        distillation_loss_fn,
        alpha=0.1,
        temperature=3,
    ):
        """Configure the distiller.

        Args:
            optimizer: Keras optimizer for the student weights
            metrics: Keras metrics for evaluation
            student_loss_fn: Loss function of difference between student
                predictions and ground-truth
            distillation_loss_fn: Loss function of difference between soft
                student predictions and soft teacher predictions
            alpha: weight to student_loss_fn and 1-alpha to distillation_loss_fn
            temperature: Temperature for softening probability distributions.
                Larger temperature gives softer distributions.
        """
        super().compile(optimizer=optimizer, metrics=metrics)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn
        self.alpha = alpha
        self.temperature = temperature

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, allow_empty=False
    ):
        teacher_pred = self.teacher(x, training=False)
        student_loss = self.student_loss_fn(y, y_pred)

        distillation_loss = self.distillation_loss_fn(
            ops.softmax(teacher_pred / self.temperature, axis=1),
            ops.softmax(y_pred / self.temperature, axis=1),
        ) * (self.temperature**2)

        loss = self.alpha * student_loss + (1 - self.alpha) * distillation_loss
        return loss

    def call(self, x):
        return self.student(x)


"""
## Create student and teacher models
"""

# Create the teacher
teacher = keras.Sequential(
    [
        keras.Input(shape=(14, 14, 1)),
        layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        layers.Flatten(),
        layers.Dense(5),
    ],
    name="teacher",
)

# Create the student
student = keras.Sequential(
    [
        keras.Input(shape=(14, 14, 1)),
        layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
        layers.Flatten(),
        layers.Dense(5),
    ],
    name="student",
)

# Clone student for later comparison
student_scratch = keras.models.clone_model(student)

"""
## Prepare the dataset
"""
rng = np.random.default_rng(1)
protos = np.zeros((5, 14, 14), "float32")
protos[0, 3:11, 6:8] = 1                                   # |
protos[1, 6:8, 3:11] = 1                                   # -
protos[2][np.arange(3, 11), np.arange(3, 11)] = 1          # \
protos[3][np.arange(3, 11), np.arange(10, 2, -1)] = 1      # /
protos[4, 3:11, 3] = protos[4, 3:11, 10] = protos[4, 3, 3:11] = protos[4, 10, 3:11] = 1


def make(n):
    y = rng.integers(0, 5, n)
    x = np.stack([np.roll(protos[c], tuple(rng.integers(-1, 2, 2)), (0, 1)) for c in y])
    x = np.clip(x + 0.3 * rng.random(x.shape), 0, 1) * 255
    return x.astype("uint8"), y


# Prepare the train and test dataset.
batch_size = 32
(x_train, y_train), (x_test, y_test) = make(256), make(64)

# Normalize data
x_train = x_train.astype("float32") / 255.0
x_train = np.reshape(x_train, (-1, 14, 14, 1))

x_test = x_test.astype("float32") / 255.0
x_test = np.reshape(x_test, (-1, 14, 14, 1))

"""
## Train the teacher
"""

# Train teacher as usual
teacher.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

# Train and evaluate teacher on data.
teacher.fit(x_train, y_train, epochs=3, batch_size=batch_size, verbose=0)
teacher_results = teacher.evaluate(x_test, y_test, verbose=0)
print("teacher: loss %.4f accuracy %.4f" % tuple(teacher_results))

"""
## Distill teacher to student
"""

# Initialize and compile distiller
distiller = Distiller(student=student, teacher=teacher)
distiller.compile(
    optimizer=keras.optimizers.Adam(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
    student_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    distillation_loss_fn=keras.losses.KLDivergence(),
    alpha=0.1,
    temperature=10,
)

# Distill teacher to student
teacher_before = [w.copy() for w in teacher.get_weights()]
history = distiller.fit(x_train, y_train, epochs=3, batch_size=batch_size, verbose=0)
print("distiller history keys:", sorted(history.history))
print("distiller loss %.4f -> %.4f" % (history.history["loss"][0], history.history["loss"][-1]))

# Evaluate student on test dataset
distilled_results = distiller.evaluate(x_test, y_test, verbose=0)
print("distilled student:", ["%.4f" % v for v in distilled_results])
print("teacher unchanged:", all(np.array_equal(a, b)
                                 for a, b in zip(teacher_before, teacher.get_weights())))

"""
## Train student from scratch for comparison
"""

# Train student as doen usually
student_scratch.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

# Train and evaluate student trained from scratch.
student_scratch.fit(x_train, y_train, epochs=3, batch_size=batch_size, verbose=0)
scratch_results = student_scratch.evaluate(x_test, y_test, verbose=0)
print("student from scratch: loss %.4f accuracy %.4f" % tuple(scratch_results))
