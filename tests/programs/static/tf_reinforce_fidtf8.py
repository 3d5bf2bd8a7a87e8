"""REINFORCE on contextual bandits, the way the TF1 policy-gradient tutorials write it (Juliani's
"Simple Reinforcement Learning with Tensorflow" part 1.5 and the tf.distributions policy
examples): a softmax policy over arms as tf.distributions.Categorical(logits=...), actions
drawn with policy.sample() in the graph, loss = -mean(log_prob(a) * advantage) - beta *
entropy; then a Gaussian policy tf.distributions.Normal(mu, sigma) for a continuous action.
Only ``import tensorflow as tf`` -> ``import dlcore_static as tf`` changed."""

import numpy as np

import dlcore_static as tf

tf.set_random_seed(1)
rng = np.random.RandomState(0)

# ---- discrete: 4 bandits (the context, one-hot), 3 arms each; the best arm differs per bandit
bandits = np.array([[0.2, 0.0, -0.2], [0.1, -0.5, 1.0], [-1.0, 1.0, 0.3], [0.5, 0.2, -0.4]])
num_bandits, num_actions = bandits.shape


def pull(bandit, action):
    return 1.0 if rng.randn() < bandits[bandit, action] else -1.0


state_in = tf.placeholder(shape=[None], dtype=tf.int32)
state_oh = tf.one_hot(state_in, num_bandits)
hidden = tf.layers.dense(state_oh, 16, activation=tf.nn.relu)
logits = tf.layers.dense(hidden, num_actions)
policy = tf.distributions.Categorical(logits=logits)
chosen = policy.sample(seed=2)

action_holder = tf.placeholder(shape=[None], dtype=tf.int32)
advantage_holder = tf.placeholder(shape=[None], dtype=tf.float32)
log_prob = policy.log_prob(action_holder)
entropy = tf.reduce_mean(policy.entropy())
loss = -tf.reduce_mean(log_prob * advantage_holder) - 0.01 * entropy
optimizer = tf.train.AdamOptimizer(learning_rate=0.05)
update = optimizer.minimize(loss)

batch = 32
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    rewards_seen = []
    for i in range(60):
        s = rng.randint(0, num_bandits, size=batch)
        a = sess.run(chosen, feed_dict={state_in: s})
        r = np.array([pull(b, act) for b, act in zip(s, a)], np.float32)
        adv = r - r.mean()
        _, l_val, lp_val, lg_val = sess.run([update, loss, log_prob, logits],
                                            feed_dict={state_in: s, action_holder: a,
                                                       advantage_holder: adv})
        rewards_seen.append(r.mean())
        if i % 20 == 0:
            print("step", i, "mean reward", round(float(r.mean()), 3))
    last = {"s": s, "a": a, "adv": adv, "loss": l_val, "log_prob": lp_val, "logits": lg_val}
    probs = sess.run(policy.probs, feed_dict={state_in: np.arange(num_bandits)})
    greedy = sess.run(policy.mode(), feed_dict={state_in: np.arange(num_bandits)})
print("greedy arms", greedy.tolist(), "best arms", bandits.argmax(1).tolist())

# ---- continuous: a Gaussian policy whose mean should learn the target 2 * x - 1
tf.reset_default_graph()
tf.set_random_seed(3)
x_in = tf.placeholder(tf.float32, [None, 1])
mu = tf.layers.dense(x_in, 1)[:, 0]
log_sigma = tf.Variable(0.0)
pi = tf.distributions.Normal(loc=mu, scale=tf.exp(log_sigma))
act = pi.sample(seed=4)
a_ph = tf.placeholder(tf.float32, [None])
adv_ph = tf.placeholder(tf.float32, [None])
pg_loss = -tf.reduce_mean(pi.log_prob(a_ph) * adv_ph)
train = tf.train.AdamOptimizer(0.05).minimize(pg_loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(150):
        xs = rng.uniform(-1, 1, size=(64, 1)).astype(np.float32)
        acts = sess.run(act, {x_in: xs})
        rew = -(acts - (2 * xs[:, 0] - 1)) ** 2
        sess.run(train, {x_in: xs, a_ph: acts, adv_ph: (rew - rew.mean()) / (rew.std() + 1e-8)})
    probe = np.array([[-0.5], [0.0], [0.5]], np.float32)
    means, sigma = sess.run([pi.mean(), pi.stddev()], {x_in: probe})
print("gaussian means", np.round(means, 2).tolist(), "sigma", round(float(sigma[0]), 3))
