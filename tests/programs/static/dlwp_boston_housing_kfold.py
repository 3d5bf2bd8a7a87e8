"""Predicting house prices: a regression example ("Deep Learning with Python", Chollet, 1st
edition, section 3.6, listings 3.24-3.32), as written, at a tiny scale: a synthetic 13-feature
"Boston housing" set (prices a noisy nonlinear function of the features) instead of
boston_housing.load_data(), 64-unit layers kept, 4 folds of 20 samples, 6 epochs with batch 1,
then the final model trained on all the data.  history.history['val_mean_absolute_error'] is the
Keras 2.2 name the book uses for metrics=['mae']."""
import numpy as np
from dlcore_static.keras import models
from dlcore_static.keras import layers

rs = np.random.RandomState(10)
w_true = rs.randn(13)
def load_data():
    x = rs.rand(100, 13) * 10
    y = 20 + 3 * np.tanh((x - 5) @ w_true / 6) + 0.3 * rs.randn(100)
    return (x[:80], y[:80]), (x[80:], y[80:])
(train_data, train_targets), (test_data, test_targets) = load_data()

print(train_data.shape, test_data.shape)

mean = train_data.mean(axis=0)
train_data -= mean
std = train_data.std(axis=0)
train_data /= std

test_data -= mean
test_data /= std


def build_model():
    # Because we will need to instantiate
    # the same model multiple times,
    # we use a function to construct it.
    model = models.Sequential()
    model.add(layers.Dense(64, activation='relu',
                           input_shape=(train_data.shape[1],)))
    model.add(layers.Dense(64, activation='relu'))
    model.add(layers.Dense(1))
    model.compile(optimizer='rmsprop', loss='mse', metrics=['mae'])
    return model


k = 4
num_val_samples = len(train_data) // k
num_epochs = 6
all_mae_histories = []
all_scores = []
for i in range(k):
    print('processing fold #', i)
    # Prepare the validation data: data from partition # k
    val_data = train_data[i * num_val_samples: (i + 1) * num_val_samples]
    val_targets = train_targets[i * num_val_samples: (i + 1) * num_val_samples]

    # Prepare the training data: data from all other partitions
    partial_train_data = np.concatenate(
        [train_data[:i * num_val_samples],
         train_data[(i + 1) * num_val_samples:]],
        axis=0)
    partial_train_targets = np.concatenate(
        [train_targets[:i * num_val_samples],
         train_targets[(i + 1) * num_val_samples:]],
        axis=0)

    # Build the Keras model (already compiled)
    model = build_model()
    # Train the model (in silent mode, verbose=0)
    history = model.fit(partial_train_data, partial_train_targets,
                        validation_data=(val_data, val_targets),
                        epochs=num_epochs, batch_size=1, verbose=0)
    mae_history = history.history['val_mean_absolute_error']
    all_mae_histories.append(mae_history)
    val_mse, val_mae = model.evaluate(val_data, val_targets, verbose=0)
    all_scores.append(val_mae)

print(all_scores)
print(np.mean(all_scores))

average_mae_history = [
    np.mean([x[i] for x in all_mae_histories]) for i in range(num_epochs)]
print('average_mae_history:', ' '.join('%.4f' % v for v in average_mae_history))


def smooth_curve(points, factor=0.9):
  smoothed_points = []
  for point in points:
    if smoothed_points:
      previous = smoothed_points[-1]
      smoothed_points.append(previous * factor + point * (1 - factor))
    else:
      smoothed_points.append(point)
  return smoothed_points

smooth_mae_history = smooth_curve(average_mae_history[1:])

# Get a fresh, compiled model.
model = build_model()
# Train it on the entirety of the data.
model.fit(train_data, train_targets,
          epochs=40, batch_size=16, verbose=0)
test_mse_score, test_mae_score = model.evaluate(test_data, test_targets)
print('test_mae_score:', test_mae_score)
