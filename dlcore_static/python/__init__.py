"""``tensorflow.python``'s modules that TF1 programs import by that path
(``from tensorflow.python.client import device_lib`` becomes
``from dlcore_static.python.client import device_lib``)."""
