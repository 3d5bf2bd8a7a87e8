"""Collaborative Filtering for Movie Recommendations (keras.io, Keras 3 version), imports
renamed; synthetic ratings from hidden user/movie factors instead of the MovieLens download
(pandas left out: the same encodings done with NumPy), 3 epochs: the subclassed
RecommenderNet (user/movie embeddings with l2 regularizers and per-id biases, their
``ops.tensordot(..., 2)`` match score plus the biases through ``ops.nn.sigmoid``), trained with
binary cross-entropy on ratings scaled to [0, 1], and the top-10 recommendations of a user."""
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers
from dlcore_static.keras import ops

"""
## Load the data and apply preprocessing (synthetic ratings)
"""
rs = np.random.RandomState(42)
n_users_raw, n_movies_raw = 40, 60
user_f = rs.randn(n_users_raw, 3)
movie_f = rs.randn(n_movies_raw, 3)
pairs = np.array([(u, m) for u in range(n_users_raw) for m in range(n_movies_raw)
                  if rs.rand() < 0.35])
scores = (user_f[pairs[:, 0]] * movie_f[pairs[:, 1]]).sum(1)
ratings = np.clip(np.round(2 * (scores - scores.min()) / np.ptp(scores) * 4.5) / 2 + 0.5,
                  0.5, 5.0)
user_ids_raw = 1000 + pairs[:, 0] * 7          # (MovieLens-like ids: not 0..n-1)
movie_ids_raw = 30 + pairs[:, 1] * 3

user_ids = np.unique(user_ids_raw).tolist()
user2user_encoded = {x: i for i, x in enumerate(user_ids)}
userencoded2user = {i: x for i, x in enumerate(user_ids)}
movie_ids = np.unique(movie_ids_raw).tolist()
movie2movie_encoded = {x: i for i, x in enumerate(movie_ids)}
movie_encoded2movie = {i: x for i, x in enumerate(movie_ids)}
user = np.array([user2user_encoded[u] for u in user_ids_raw])
movie = np.array([movie2movie_encoded[m] for m in movie_ids_raw])

num_users = len(user2user_encoded)
num_movies = len(movie_encoded2movie)
rating = ratings.astype(np.float32)
# min and max ratings will be used to normalize the ratings later
min_rating = min(rating)
max_rating = max(rating)

print(
    "Number of users: {}, Number of Movies: {}, Min rating: {}, Max rating: {}".format(
        num_users, num_movies, min_rating, max_rating
    )
)

"""
## Prepare training and validation data
"""
order = rs.permutation(len(rating))             # df.sample(frac=1, random_state=42)
x = np.stack([user, movie], axis=1)[order]
# Normalize the targets between 0 and 1. Makes it easy to train.
y = ((rating[order] - min_rating) / (max_rating - min_rating))
# Assuming training on 90% of the data and validating on 10%.
train_indices = int(0.9 * len(x))
x_train, x_val, y_train, y_val = (
    x[:train_indices],
    x[train_indices:],
    y[:train_indices],
    y[train_indices:],
)

"""
## Create the model
"""
EMBEDDING_SIZE = 50


class RecommenderNet(keras.Model):
    def __init__(self, num_users, num_movies, embedding_size, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.num_movies = num_movies
        self.embedding_size = embedding_size
        self.user_embedding = layers.Embedding(
            num_users,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_embedding = layers.Embedding(
            num_movies,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        user_vector = self.user_embedding(inputs[:, 0])
        user_bias = self.user_bias(inputs[:, 0])
        movie_vector = self.movie_embedding(inputs[:, 1])
        movie_bias = self.movie_bias(inputs[:, 1])
        dot_user_movie = ops.tensordot(user_vector, movie_vector, 2)
        # Add all the components (including bias)
        x = dot_user_movie + user_bias + movie_bias
        # The sigmoid activation forces the rating to between 0 and 1
        return ops.nn.sigmoid(x)


model = RecommenderNet(num_users, num_movies, EMBEDDING_SIZE)
model.compile(
    loss=keras.losses.BinaryCrossentropy(),
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
)

"""
## Train the model based on the data split
"""
history = model.fit(
    x=x_train,
    y=y_train,
    batch_size=64,
    epochs=3,
    verbose=0,
    validation_data=(x_val, y_val),
)
print("loss:", ["%.4f" % v for v in history.history["loss"]])
print("val_loss:", ["%.4f" % v for v in history.history["val_loss"]])

"""
## Show top 10 movie recommendations to a user
"""
user_id = user_ids_raw[0]
movies_watched = movie_ids_raw[user_ids_raw == user_id]
movies_not_watched = [m for m in movie_ids if m not in set(movies_watched.tolist())]
movies_not_watched = [[movie2movie_encoded.get(x)] for x in movies_not_watched]
user_encoder = user2user_encoded.get(user_id)
user_movie_array = np.hstack(
    ([[user_encoder]] * len(movies_not_watched), movies_not_watched)
)
ratings_pred = model.predict(user_movie_array, verbose=0).flatten()
top_ratings_indices = ratings_pred.argsort()[-10:][::-1]
recommended_movie_ids = [
    movie_encoded2movie.get(movies_not_watched[x][0]) for x in top_ratings_indices
]
print("Showing recommendations for user: {}".format(user_id))
print("Top 10 movie recommendations:", recommended_movie_ids)
