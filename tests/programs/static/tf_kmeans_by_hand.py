'''K-means clustering written by hand in TensorFlow 1 (the widely copied "k-means in
TensorFlow" blog program of the TF 1.x era), as written: the points are a tf.constant, the
centroids a Variable started from tf.slice of tf.random_shuffle(points), squared distances by
broadcasting expand_dims, tf.argmin for the assignments, each new mean a tf.gather of the points
picked by tf.where(tf.equal(assignments, c)), tf.concat of the means and one tf.assign per
step, run in a Python loop.  Scaled: 60 points and 15 iterations instead of 200 and 100; the
matplotlib scatter plot at the end is left out.'''
import numpy as np
import dlcore_static as tf

points_n = 60
clusters_n = 3
iteration_n = 15

np.random.seed(5)
blobs = np.array([[2., 2.], [8., 3.], [5., 8.]])
points = tf.constant(np.concatenate([c + np.random.randn(points_n // 3, 2) for c in blobs]))
centroids = tf.Variable(tf.slice(tf.random_shuffle(points), [0, 0], [clusters_n, -1]))

points_expanded = tf.expand_dims(points, 0)
centroids_expanded = tf.expand_dims(centroids, 1)

distances = tf.reduce_sum(tf.square(tf.subtract(points_expanded, centroids_expanded)), 2)
assignments = tf.argmin(distances, 0)

means = []
for c in range(clusters_n):
    means.append(tf.reduce_mean(
      tf.gather(points,
                tf.reshape(
                  tf.where(
                    tf.equal(assignments, c)
                  ), [1, -1])
               ), reduction_indices=[1]))

new_centroids = tf.concat(means, 0)

update_centroids = tf.assign(centroids, new_centroids)
init = tf.global_variables_initializer()

with tf.Session() as sess:
  sess.run(init)
  for step in range(iteration_n):
    [_, centroid_values, points_values, assignment_values] = sess.run(
        [update_centroids, centroids, points, assignments])

  print("centroids", centroid_values)
  final_centroids, final_assignments = sess.run([centroids, assignments])
