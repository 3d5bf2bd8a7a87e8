"""``keras.datasets``: Keras 3's small reference datasets, loaded from Keras's own cache.

``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``, ``boston_housing``, ``imdb`` and
``reuters``, each with ``load_data()`` taking Keras 3's arguments and returning Keras 3's arrays
(same dtypes, shapes and order, same shuffles for the same ``seed``).  Files are downloaded with
``keras.utils.get_file`` from Keras's origins into ``$KERAS_HOME/datasets`` (``~/.keras``), so
a cache filled by real Keras is used as it is.

No pickle: CIFAR is read from the dataset authors' binary tarballs (the same site, the same
images and labels as the pickled "python version" Keras reads).  Keras's ``imdb.npz`` and
``reuters.npz`` hold their ragged sequences as NumPy object arrays, which are pickle streams and
have no pickle-free equivalent, so their ``load_data`` raises an error that says so and how to
get the data otherwise; their ``get_word_index`` (a JSON file) works.
"""

from . import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
