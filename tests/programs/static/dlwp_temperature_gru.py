"""Temperature forecasting with a recurrent network ("Deep Learning with Python", Chollet, 1st
edition, section 6.3, listings 6.28-6.33 and 6.40), as written, at a tiny scale: a synthetic
4-column "Jena climate" series (a daily and a slow cycle plus noise; column 1 the temperature)
instead of jena_climate_2009_2016.csv, lookback 60 with step 6 (10 timesteps), delay 6,
batch 16, a 16-unit GRU with dropout=0.2 and recurrent_dropout=0.2 on input_shape=(None, 4),
trained with fit_generator from Python generators on the MAE, 5 epochs of 20 steps."""
import numpy as np
from dlcore_static.keras.models import Sequential
from dlcore_static.keras import layers
from dlcore_static.keras.optimizers import RMSprop

rs = np.random.RandomState(11)
t = np.arange(1400)
float_data = np.stack([1000 + 5 * np.sin(t / 50.0),
                       10 + 8 * np.sin(2 * np.pi * t / 24) + 3 * np.sin(t / 90.0),
                       60 + 10 * np.cos(2 * np.pi * t / 24),
                       rs.rand(len(t))], axis=1) + 0.3 * rs.randn(len(t), 4)

mean = float_data[:700].mean(axis=0)
float_data -= mean
std = float_data[:700].std(axis=0)
float_data /= std


def generator(data, lookback, delay, min_index, max_index,
              shuffle=False, batch_size=128, step=6):
    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while 1:
        if shuffle:
            rows = np.random.randint(
                min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)

        samples = np.zeros((len(rows),
                           lookback // step,
                           data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            indices = range(rows[j] - lookback, rows[j], step)
            samples[j] = data[indices]
            targets[j] = data[rows[j] + delay][1]
        yield samples, targets


np.random.seed(11)
lookback = 60
step = 6
delay = 6
batch_size = 16

train_gen = generator(float_data,
                      lookback=lookback,
                      delay=delay,
                      min_index=0,
                      max_index=700,
                      shuffle=True,
                      step=step,
                      batch_size=batch_size)
val_gen = generator(float_data,
                    lookback=lookback,
                    delay=delay,
                    min_index=701,
                    max_index=1000,
                    step=step,
                    batch_size=batch_size)
test_gen = generator(float_data,
                     lookback=lookback,
                     delay=delay,
                     min_index=1001,
                     max_index=None,
                     step=step,
                     batch_size=batch_size)

# This is how many steps to draw from `val_gen`
# in order to see the whole validation set:
val_steps = (1000 - 701 - lookback) // batch_size

# This is how many steps to draw from `test_gen`
# in order to see the whole test set:
test_steps = (len(float_data) - 1001 - lookback) // batch_size


def evaluate_naive_method():
    batch_maes = []
    for step in range(val_steps):
        samples, targets = next(val_gen)
        preds = samples[:, -1, 1]
        mae = np.mean(np.abs(preds - targets))
        batch_maes.append(mae)
    print('naive MAE:', np.mean(batch_maes))
    return np.mean(batch_maes)

naive_mae = evaluate_naive_method()

model = Sequential()
model.add(layers.GRU(16,
                     dropout=0.2,
                     recurrent_dropout=0.2,
                     input_shape=(None, float_data.shape[-1])))
model.add(layers.Dense(1))

model.compile(optimizer=RMSprop(), loss='mae')
history = model.fit_generator(train_gen,
                              steps_per_epoch=20,
                              epochs=5,
                              validation_data=val_gen,
                              validation_steps=val_steps)

loss = history.history['loss']
val_loss = history.history['val_loss']
print('loss:', ' '.join('%.4f' % v for v in loss))
print('val_loss:', ' '.join('%.4f' % v for v in val_loss))
test_mae = model.evaluate_generator(test_gen, steps=test_steps)
print('test MAE:', test_mae)
