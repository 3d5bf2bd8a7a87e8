"""Arthur Juliani's "Simple Reinforcement Learning with Tensorflow Part 4: Deep Q-Networks and
Beyond" (awjuliani/DeepRL-Agents Double-Dueling-DQN.ipynb, TF 1.x), imports renamed, at a tiny
scale: the gridworld (hero, +1 goal, -1 fire) rendered one pixel per cell (5x5x3 instead of
84x84x3), four 2x2 ``slim.conv2d`` layers, h_size 16, 120 episodes of at most 20 steps.  As
written: the last conv split by ``tf.split(self.conv4, 2, 3)`` into advantage and value streams,
``slim.flatten``, ``tf.contrib.layers.xavier_initializer()`` weights, Qout = V + (A - mean A with
``keep_dims``), the chosen actions' Q by ``tf.one_hot`` and ``reduce_sum``; a target network
built by a second ``Qnetwork``, soft-updated by ``var.assign(var.value()*tau + ...)`` ops made
from halves of ``tf.trainable_variables()`` and run one at a time; double-DQN targets
(``Q2[range(batch_size),Q1]``) from an experience buffer of object arrays."""
import random

import numpy as np

import dlcore_static as tf
import dlcore_static.contrib.slim as slim

random.seed(4)
np.random.seed(4)


class gameEnv():
    """gridworld.py's gameEnv(partial=False, size=5): a hero, 2 goals (+1), 1 fire (-1)."""
    def __init__(self, size):
        self.sizeX = size
        self.sizeY = size
        self.actions = 4
        self.reset()

    def newPosition(self, taken):
        points = [(x, y) for x in range(self.sizeX) for y in range(self.sizeY) if (x, y) not in taken]
        return points[np.random.randint(len(points))]

    def reset(self):
        self.hero = self.newPosition([])
        self.goals = [self.newPosition([self.hero])]
        self.goals.append(self.newPosition([self.hero] + self.goals))
        self.fire = self.newPosition([self.hero] + self.goals)
        return self.renderEnv()

    def renderEnv(self):
        a = np.zeros([self.sizeY, self.sizeX, 3])
        a[self.hero[1], self.hero[0], 2] = 1
        for g in self.goals:
            a[g[1], g[0], 1] = 1
        a[self.fire[1], self.fire[0], 0] = 1
        return a

    def step(self, action):
        x, y = self.hero
        dx, dy = [(0, -1), (0, 1), (-1, 0), (1, 0)][action]
        self.hero = (min(max(x + dx, 0), self.sizeX - 1), min(max(y + dy, 0), self.sizeY - 1))
        reward = 0.0
        if self.hero in self.goals:
            reward = 1.0
            self.goals.remove(self.hero)
            self.goals.append(self.newPosition([self.hero, self.fire] + self.goals))
        elif self.hero == self.fire:
            reward = -1.0
            self.fire = self.newPosition([self.hero] + self.goals)
        return self.renderEnv(), reward, False


env = gameEnv(size=5)
IMG = 5 * 5 * 3


class Qnetwork():
    def __init__(self,h_size):
        #The network recieves a frame from the game, flattened into an array.
        #It then resizes it and processes it through four convolutional layers.
        self.scalarInput =  tf.placeholder(shape=[None,IMG],dtype=tf.float32)
        self.imageIn = tf.reshape(self.scalarInput,shape=[-1,5,5,3])
        self.conv1 = slim.conv2d( \
            inputs=self.imageIn,num_outputs=8,kernel_size=[2,2],stride=[1,1],padding='VALID', biases_initializer=None)
        self.conv2 = slim.conv2d( \
            inputs=self.conv1,num_outputs=8,kernel_size=[2,2],stride=[1,1],padding='VALID', biases_initializer=None)
        self.conv3 = slim.conv2d( \
            inputs=self.conv2,num_outputs=16,kernel_size=[2,2],stride=[1,1],padding='VALID', biases_initializer=None)
        self.conv4 = slim.conv2d( \
            inputs=self.conv3,num_outputs=h_size,kernel_size=[2,2],stride=[1,1],padding='VALID', biases_initializer=None)

        #We take the output from the final convolutional layer and split it into separate advantage and value streams.
        self.streamAC,self.streamVC = tf.split(self.conv4,2,3)
        self.streamA = slim.flatten(self.streamAC)
        self.streamV = slim.flatten(self.streamVC)
        xavier_init = tf.contrib.layers.xavier_initializer()
        self.AW = tf.Variable(xavier_init([h_size//2,env.actions]))
        self.VW = tf.Variable(xavier_init([h_size//2,1]))
        self.Advantage = tf.matmul(self.streamA,self.AW)
        self.Value = tf.matmul(self.streamV,self.VW)

        #Then combine them together to get our final Q-values.
        self.Qout = self.Value + tf.subtract(self.Advantage,tf.reduce_mean(self.Advantage,axis=1,keep_dims=True))
        self.predict = tf.argmax(self.Qout,1)

        #Below we obtain the loss by taking the sum of squares difference between the target and prediction Q values.
        self.targetQ = tf.placeholder(shape=[None],dtype=tf.float32)
        self.actions = tf.placeholder(shape=[None],dtype=tf.int32)
        self.actions_onehot = tf.one_hot(self.actions,env.actions,dtype=tf.float32)

        self.Q = tf.reduce_sum(tf.multiply(self.Qout, self.actions_onehot), axis=1)

        self.td_error = tf.square(self.targetQ - self.Q)
        self.loss = tf.reduce_mean(self.td_error)
        self.trainer = tf.train.AdamOptimizer(learning_rate=0.001)
        self.updateModel = self.trainer.minimize(self.loss)


class experience_buffer():
    def __init__(self, buffer_size = 50000):
        self.buffer = []
        self.buffer_size = buffer_size

    def add(self,experience):
        if len(self.buffer) + len(experience) >= self.buffer_size:
            self.buffer[0:(len(experience)+len(self.buffer))-self.buffer_size] = []
        self.buffer.extend(experience)

    def sample(self,size):
        return np.reshape(np.array(random.sample(self.buffer,size), dtype=object),[size,5])


def processState(states):
    return np.reshape(states,[IMG])


def updateTargetGraph(tfVars,tau):
    total_vars = len(tfVars)
    op_holder = []
    for idx,var in enumerate(tfVars[0:total_vars//2]):
        op_holder.append(tfVars[idx+total_vars//2].assign((var.value()*tau) + ((1-tau)*tfVars[idx+total_vars//2].value())))
    return op_holder


def updateTarget(op_holder,sess):
    for op in op_holder:
        sess.run(op)


batch_size = 16 #How many experiences to use for each training step.
update_freq = 4 #How often to perform a training step.
y = .99 #Discount factor on the target Q-values
startE = 1 #Starting chance of random action
endE = 0.1 #Final chance of random action
annealing_steps = 1000. #How many steps of training to reduce startE to endE.
num_episodes = 120 #How many episodes of game environment to train network with.
pre_train_steps = 200 #How many steps of random actions before training begins.
max_epLength = 20 #The max allowed length of our episode.
h_size = 16 #The size of the final convolutional layer before splitting it into Advantage and Value streams.
tau = 0.001 #Rate to update target network toward primary network

tf.reset_default_graph()
tf.set_random_seed(4)
mainQN = Qnetwork(h_size)
targetQN = Qnetwork(h_size)

init = tf.global_variables_initializer()

saver = tf.train.Saver()

trainables = tf.trainable_variables()

targetOps = updateTargetGraph(trainables,tau)

myBuffer = experience_buffer()

#Set the rate of random action decrease.
e = startE
stepDrop = (startE - endE)/annealing_steps

#create lists to contain total rewards and steps per episode
jList = []
rList = []
total_steps = 0
losses = []
soft_update = None

with tf.Session() as sess:
    sess.run(init)
    for i in range(num_episodes):
        episodeBuffer = experience_buffer()
        #Reset environment and get first new observation
        s = env.reset()
        s = processState(s)
        d = False
        rAll = 0
        j = 0
        #The Q-Network
        while j < max_epLength: #If the agent takes longer than 200 moves to reach either of the blocks, end the trial.
            j+=1
            #Choose an action by greedily (with e chance of random action) from the Q-network
            if np.random.rand(1) < e or total_steps < pre_train_steps:
                a = np.random.randint(0,4)
            else:
                a = sess.run(mainQN.predict,feed_dict={mainQN.scalarInput:[s]})[0]
            s1,r,d = env.step(a)
            s1 = processState(s1)
            total_steps += 1
            episodeBuffer.add(np.reshape(np.array([s,a,r,s1,d], dtype=object),[1,5])) #Save the experience to our episode buffer.

            if total_steps > pre_train_steps:
                if e > endE:
                    e -= stepDrop

                if total_steps % (update_freq) == 0:
                    trainBatch = myBuffer.sample(batch_size) #Get a random batch of experiences.
                    #Below we perform the Double-DQN update to the target Q-values
                    Q1 = sess.run(mainQN.predict,feed_dict={mainQN.scalarInput:np.vstack(trainBatch[:,3])})
                    Q2 = sess.run(targetQN.Qout,feed_dict={targetQN.scalarInput:np.vstack(trainBatch[:,3])})
                    end_multiplier = -(trainBatch[:,4] - 1)
                    doubleQ = Q2[range(batch_size),Q1]
                    targetQ = trainBatch[:,2] + (y*doubleQ * end_multiplier)
                    #Update the network with our target values.
                    _, l = sess.run([mainQN.updateModel, mainQN.loss], \
                        feed_dict={mainQN.scalarInput:np.vstack(trainBatch[:,0]),mainQN.targetQ:targetQ, mainQN.actions:trainBatch[:,1]})
                    losses.append(l)

                    if soft_update is None:
                        before = sess.run(trainables)
                        updateTarget(targetOps,sess) #Update the target network toward the primary network.
                        soft_update = before, sess.run(trainables)
                    else:
                        updateTarget(targetOps,sess) #Update the target network toward the primary network.
            rAll += r
            s = s1

            if d == True:

                break

        myBuffer.add(episodeBuffer.buffer)
        jList.append(j)
        rList.append(rAll)
        #Periodically save the model.
        if len(rList) % 40 == 0:
            print(total_steps,np.mean(rList[-40:]), e)
    probe = np.vstack(trainBatch[:, 0])
    A_val, V_val, Q_val, P_val = sess.run([mainQN.Advantage, mainQN.Value, mainQN.Qout, mainQN.predict],
                                          feed_dict={mainQN.scalarInput: probe})
    names = [v.name for v in trainables]
print("Percent of succesful episodes: " + str(sum(rList)/num_episodes) + "%")
print("names:", names)
