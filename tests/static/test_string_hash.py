"""TensorFlow's string hashes in dlcore_static (string_hash.py, dlcore/kernels/cpu/_jit_hash.py)
against the expected values TensorFlow, FarmHash and SipHash publish.  Sources of the numbers:

* tensorflow/python/kernel_tests/string_to_hash_bucket_op_test.py (full 64-bit hashes of 'a',
  'b', 'c', 'd' in its comments, and the buckets),
* tensorflow/core/platform/fingerprint_test.cc (Fingerprint64 "Hello", "World"),
* tensorflow/core/lib/hash/hash_test.cc (Hash64 with seeds, SignedUnsignedIssue),
* google/farmhash src/farmhash.cc, farmhashnaTest: the self-test's ``expected[]`` array (its
  third pair per test is ``farmhashna::Hash64(data + i*i, i)`` = Fingerprint64, hi and lo 32
  bits), data from the self-test's generator, tests i = 0..131 (lengths 0..131: every branch,
  one and two 64-byte loop rounds),
* the SipHash reference vectors (Aumasson and Bernstein's vectors.h: key 00..0f, message
  00..n-1),
* tensorflow/python/kernel_tests/sparse_cross_op_test.py (hashed crosses),
* tensorflow/python/feature_column/feature_column_test.py and feature_column_v2_test.py (hash
  bucket, out-of-vocabulary and crossed-column ids).
"""

import itertools

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import string_hash as sh

FARMHASHNA_HASH64 = [
    (2598464059, 797982799), (1410420968, 2134990486), (255297188, 2992121793),
    (4019337850, 452431531), (299850021, 2532580744), (2199864459, 3696623795),
    (1053458494, 1882212500), (458884671, 3033004529), (2700149065, 2699376854),
    (4220361840, 1712034059), (594028478, 2921867846), (3280331829, 326029180),
    (3824583307, 1612122221), (2233466664, 1432476832), (1628777059, 1499109081),
    (1145519619, 3190844552), (65721842, 489963606), (1790705123, 2128624475),
    (155445229, 1672724608), (3610042449, 1911523866), (1099072299, 1389770549),
    (3603803785, 629449419), (1552847036, 645684964), (3151491850, 3272648435),
    (916494250, 1230085527), (231181488, 851743255), (1142264800, 3667013118),
    (732137533, 1909203251), (4072067757, 4165088768), (956300927, 914413116),
    (3074915312, 3117299654), (1438494951, 507436733), (126024219, 146044391),
    (165589978, 1578546616), (249776086, 1207522198), (46987739, 1157614300),
    (3614377032, 586863115), (1164298657, 4140791139), (3725511003, 232064808),
    (512845449, 3748861010), (22638523, 648000590), (1024246061, 4027776454),
    (411505255, 1973395102), (3474970689, 1029055034), (589567754, 325737734),
    (257578986, 3698087965), (2305332220, 191910725), (3315355162, 2135941665),
    (23075771, 3252374102), (663013031, 3444053918), (2115441882, 4081398201),
    (1379288194, 4225182569), (3667516477, 1709989541), (2725013602, 3639843023),
    (2470483982, 877580602), (3981838403, 3762572073), (1129162571, 732225574),
    (3232041815, 1652884780), (2227121257, 1426140634), (1386256573, 24035717),
    (1598686658, 3146815575), (739944537, 579625482), (3903349120, 389846205),
    (2834153464, 1481069623), (3740748788, 3388062747), (1020177209, 734239551),
    (2610427744, 49703572), (1416453607, 2815915291), (937074653, 3035635454),
    (3711259084, 2627383582), (3669691805, 263366740), (3565059103, 1190977418),
    (2747519432, 4129538640), (2271095827, 2993032712), (795918276, 1116991810),
    (937372240, 1343017609), (1166522068, 1623631848), (2721658101, 1937681565),
    (114616703, 954762543), (1756889687, 2936126607), (2483004780, 1927385370),
    (1672737098, 2148675559), (2636210123, 1338083267), (1335160250, 2084630531),
    (2746885618, 636616055), (2076016059, 408721884), (2301682622, 2691859523),
    (2614088922, 1975527044), (3529473373, 1490330107), (4271796078, 1910401882),
    (3738454258, 2554452696), (2237827073, 2803250686), (1996680960, 839529273),
    (3544595875, 3909443124), (3656063205, 837475154), (438095290, 484603494),
    (308425103, 268427550), (4243643405, 2849988118), (2948254999, 2102063419),
    (1735616066, 1539151988), (95237878, 2005032160), (1433635018, 116647396),
    (881378302, 2159170082), (336034862, 2017579106), (944743644, 1694443528),
    (260177668, 505662155), (3722741628, 1511077569), (1103819072, 2089123665),
    (2475035432, 1120017626), (2842141483, 4029205195), (3873078673, 136118734),
    (1699452298, 1403506686), (1805475756, 2562064338), (4271866024, 3071338162),
    (459509140, 771592405), (185232757, 4032960199), (3512945009, 308584855),
    (4250142168, 2565680167), (38924274, 3770488806), (3099963860, 1255084262),
    (2363435042, 54945052), (2534883189, 2432427547), (2741583197, 1280920000),
    (1281043691, 1121403845), (2127558730, 713121337), (2108187161, 927011680),
    (4134691985, 1958963937), (2567532373, 4075249328), (4104757832, 3026358429),
    (3573008472, 3615577014), (1541946015, 3087190425), (857839960, 2515339233),
]

SIPHASH24_VECTORS = [
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
]


def _farmhash_self_test_data(n: int) -> bytes:
    """farmhash.cc's Setup(): the self-test's pseudorandom bytes."""
    k0, mask = 0xC3A5C85C97CB3127, (1 << 64) - 1
    a, b = 9, 777
    out = bytearray()
    for i in range(n):
        a = (a + b) & mask
        b = (b + a) & mask
        a = ((a ^ (a >> 41)) * k0) & mask
        b = (((b ^ (b >> 41)) * k0) + i) & mask
        out.append((b >> 37) & 0xFF)
    return bytes(out)


def _run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


def test_fingerprint64_farmhash_self_test_and_tensorflow_values():
    m = len(FARMHASHNA_HASH64)
    data = _farmhash_self_test_data((m - 1) ** 2 + m)
    got = sh.fingerprint64([data[i * i:i * i + i] for i in range(m)])
    want = np.array([hi << 32 | lo for hi, lo in FARMHASHNA_HASH64], np.uint64)
    np.testing.assert_array_equal(got, want)
    # string_to_hash_bucket_op_test.py and fingerprint_test.cc
    np.testing.assert_array_equal(
        sh.fingerprint64(["a", "b", "c", "d", "Hello", "World"]),
        np.array([12917804110809363939, 11795596070477164822, 11430444447143000872,
                  4470636696479570465, 15404698994557526151, 18308117990299812472], np.uint64))


def test_legacy_hash64_and_siphash_published_values():
    d5 = bytes([0x01, 0xc0] + [0] * 14 + [0x14, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x14, 0, 0, 0,
                                           0x18, 0x28, 0, 0, 0, 0, 0, 0, 0, 0x02] + [0] * 7)
    assert len(d5) == 48
    cases = [(0x4c61ea3eeda4cb87, b"", 0xbc9f1d34), (0x091309f7ef916c8a, b"\x62", 0xbc9f1d34),
             (0xa815bcdf1d1af01c, b"\xc3\x97", 0xbc9f1d34),
             (0x02167564e4d06430, b"\xe2\x99\xa5", 0xbc9f1d34),
             (0x8f7ed82ffc21071f, b"\xe1\x80\xb9\x32", 0xbc9f1d34),
             (0xce196580c97aff1e, d5, 0x12345678)]
    for want, data, seed in cases:                                  # hash_test.cc
        assert int(sh.legacy_hash64([data], seed)[0]) == want
    np.testing.assert_array_equal(sh.legacy_hash64(["a", "b", "c"]), np.array(
        [2996632905371535868, 5795986006276551370, 14899841994519054197], np.uint64))
    key = bytes(range(16))
    k = (int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little"))
    n = len(SIPHASH24_VECTORS)
    np.testing.assert_array_equal(sh.siphash([bytes(range(i)) for i in range(n)], k),
                                  np.array(SIPHASH24_VECTORS, np.uint64))
    np.testing.assert_array_equal(sh.siphash(["a", "b", "c"], [98765, 132]), np.array(
        [7157389809176466784, 15805638358933211562, 18100027895074076528], np.uint64))


def test_string_to_hash_bucket_ops_as_tensorflow():
    x = tf.placeholder(tf.string)
    fast = tf.string_to_hash_bucket_fast(x, 10)
    assert fast.dtype == tf.int64
    np.testing.assert_array_equal(_run(fast, {x: ["a", "b", "c", "d"]}), [9, 2, 2, 5])
    np.testing.assert_array_equal(_run(tf.strings.to_hash_bucket_fast(x, 1),
                                       {x: ["a", "b", "c"]}), [0, 0, 0])
    np.testing.assert_array_equal(_run(tf.string_to_hash_bucket(x, 10), {x: ["a", "b", "c"]}),
                                  [8, 0, 7])
    np.testing.assert_array_equal(_run(tf.strings.to_hash_bucket(x, 1), {x: ["a", "b", "c"]}),
                                  [0, 0, 0])
    s = tf.constant(["a", "b", "c"])
    np.testing.assert_array_equal(_run(tf.string_to_hash_bucket_strong(s, 10, key=[98765, 132])),
                                  [4, 2, 8])
    np.testing.assert_array_equal(
        _run(tf.strings.to_hash_bucket_strong(s, 1, key=[123, 345])), [0, 0, 0])
    grid = tf.constant([["a", "b"], ["c", "d"]])                  # shape is kept
    np.testing.assert_array_equal(_run(tf.strings.to_hash_bucket_fast(grid, 10)),
                                  [[9, 2], [2, 5]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Key must have 2 elements"):
        tf.string_to_hash_bucket_strong(s, 10, key=[98765])
    with pytest.raises(ValueError, match="Attr 'num_buckets' of 'StringToHashBucketFast' Op "
                                         "passed 0 less than minimum 1"):
        tf.string_to_hash_bucket_fast(s, 0)
    with pytest.raises(TypeError, match="Input 'input' of 'StringToHashBucketFast' Op has type "
                                        "int32 that does not match expected type of string"):
        tf.string_to_hash_bucket_fast(tf.constant([1, 2]), 10)


def _sp(rows):
    ind = [[r, j] for r, row in enumerate(rows) for j in range(len(row))]
    vals = [v for row in rows for v in row]
    return tf.SparseTensor(ind, vals, [len(rows), max(len(r) for r in rows)])


def test_sparse_cross_hashed_as_tensorflow():
    three = [_sp([["batch1-FC1-F1"]]), _sp([["batch1-FC2-F1"]]), _sp([["batch1-FC3-F1"]])]
    key = sh.DEFAULT_HASH_KEY
    for kw, want in [({}, 1971693436396284976), ({"hash_key": key + 1}, 4847552627144134031),
                     ({"num_buckets": 100}, 83),
                     ({"num_buckets": 100, "hash_key": key + 1}, 31)]:
        out = _run(tf.sparse.cross_hashed(three, **kw))
        np.testing.assert_array_equal(out.values, [want])
        np.testing.assert_array_equal(out.indices, [[0, 0]])
        np.testing.assert_array_equal(out.dense_shape, [1, 1])
    out = _run(tf.sparse.cross_hashed([_sp([["batch1-FC1-F1", "batch1-FC1-F2",
                                             "batch1-FC1-F3"]]), _sp([["batch1-FC2-F1"]]),
                                       _sp([["batch1-FC3-F1", "batch1-FC3-F2"]])], 1000))
    np.testing.assert_array_equal(out.indices, [[0, i] for i in range(6)])
    assert len(set(out.values.tolist())) == 6 and all(0 <= v < 1000 for v in out.values)
    t1 = tf.constant([[359], [359 + 1024]], tf.int64)            # no collisions
    t2 = tf.constant([list(range(10))] * 2, tf.int64)
    dense = _run(tf.sparse_tensor_to_dense(tf.sparse.cross_hashed([t2, t1], 1024, key + 1)))
    assert (dense[0] != dense[1]).all()


def test_feature_column_hash_buckets_and_oov_as_tensorflow(tmp_path):
    fc = tf.feature_column
    wire = fc.categorical_column_with_hash_bucket("wire", 10)
    wire_i = fc.categorical_column_with_hash_bucket("wire_i", 10, dtype=tf.int64)
    vocab = fc.categorical_column_with_vocabulary_list("v", ("omar", "stringer", "marlo"),
                                                       num_oov_buckets=100)
    path = tmp_path / "warriors.txt"
    path.write_text("30\n35\n11\n23\n22\n")
    vocab_i = fc.categorical_column_with_vocabulary_file("vi", str(path), 5,
                                                         num_oov_buckets=100, dtype=tf.int32)
    feats = {"wire": tf.constant(["omar", "stringer", "marlo", ""]),
             "wire_i": tf.constant([101, 201, 301, -1], tf.int64),
             "v": tf.constant(["marlo", "skywalker", "omar", "heisenberg"]),
             "vi": tf.constant([11, 100, 30, 22], tf.int32)}
    got = _run([c.ids(feats) for c in (wire, wire_i, vocab, vocab_i)])
    np.testing.assert_array_equal(got[0], [6, 4, 1, -1])     # '' is dropped, as TF
    np.testing.assert_array_equal(got[1], [3, 7, 5, -1])
    np.testing.assert_array_equal(got[2], [2, 33, 0, 62])
    np.testing.assert_array_equal(got[3], [2, 60, 0, 4])
    assert wire.num_buckets == 10 and vocab.num_buckets == 103
    onehot = _run(fc.input_layer(feats, [fc.indicator_column(wire)]))
    np.testing.assert_array_equal(onehot, np.eye(10)[[6, 4, 1, 0]] * [[1], [1], [1], [0]])
    with pytest.raises(ValueError, match="hash_bucket_size must be at least 1. "
                                         "hash_bucket_size: 0, key: w"):
        fc.categorical_column_with_hash_bucket("w", 0)
    with pytest.raises(ValueError, match="dtype must be string or integer"):
        fc.categorical_column_with_hash_bucket("w", 10, dtype=tf.float32)
    with pytest.raises(ValueError, match="Column dtype and SparseTensors dtype must be "
                                         "compatible"):
        wire_i.ids({"wire_i": tf.constant(["a"])})


def test_crossed_column_as_tensorflow():
    fc = tf.feature_column
    a = fc.numeric_column("a")
    b = fc.bucketized_column(a, boundaries=(0, 1))
    # feature_column_v2_test.py: crossed_column([b, 'c', crossed_column(['d1', 'd2'], 10)],
    # 15, hash_key=5): example 0 (b=0, cA, d1A, d2A) -> 6; example 1's first cross
    # (b=1, cB, d1B, d2B) -> 0.
    inner = fc.crossed_column(["d1", "d2"], 10)
    cross = fc.crossed_column([b, "c", inner], 15, hash_key=5)
    assert cross.name == "a_bucketized_X_c_X_d1_X_d2" and cross.num_buckets == 15
    feats = {"a": tf.constant([[-1.0], [0.5]]), "c": tf.constant(["cA", "cB"]),
             "d1": tf.constant(["d1A", "d1B"]), "d2": tf.constant(["d2A", "d2B"])}
    np.testing.assert_array_equal(_run(cross.ids(feats)), [6, 0])
    # the whole test: example 0 has b in {0, 4} (a of shape (2,)), example 1 has 16 crosses
    # (b in {1, 5}, two values of each string), the last input varying fastest
    combos = [(0, "cA", "d1A", "d2A"), (4, "cA", "d1A", "d2A")] + list(itertools.product(
        [1, 5], ["cB", "cC"], ["d1B", "d1C"], ["d2B", "d2C"]))
    cols = [np.array([c[0] for c in combos], np.int64)]
    cols += [np.array([c[i].encode() for c in combos], object) for i in (1, 2, 3)]
    np.testing.assert_array_equal(sh.cross_hash(cols, 15, 5), [6, 14, 0, 13, 8, 8, 10, 12, 2,
                                                               0, 1, 9, 8, 12, 2, 0, 10, 11])
    lin = fc.linear_model(feats, [cross])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(lin).shape == (2, 1)
    with pytest.raises(ValueError, match="keys must be a list with length > 1"):
        fc.crossed_column(["a"], 10)
    with pytest.raises(ValueError, match="categorical_column_with_hash_bucket is not "
                                         "supported for crossing"):
        fc.crossed_column(["a", fc.categorical_column_with_hash_bucket("w", 10)], 10)
    with pytest.raises(ValueError, match="hash_bucket_size must be > 1"):
        fc.crossed_column(["a", "b"], 0)


def test_sparse_cross_strings_and_docstring_examples():
    import doctest
    out = _run(tf.sparse.cross([_sp([[11], [333, 55555]]),
                                _sp([["batch1-FC2-F1"], ["batch2-FC2-F1", "batch2-FC2-F2"]])]))
    assert out.values.tolist() == [b"11_X_batch1-FC2-F1", b"333_X_batch2-FC2-F1",
                                   b"333_X_batch2-FC2-F2", b"55555_X_batch2-FC2-F1",
                                   b"55555_X_batch2-FC2-F2"]
    np.testing.assert_array_equal(out.indices, [[0, 0], [1, 0], [1, 1], [1, 2], [1, 3]])
    np.testing.assert_array_equal(out.dense_shape, [2, 4])
    dense = tf.constant([["batch1-FC2-F1", "batch1-FC2-F2"], ["batch2-FC2-F1", "batch2-FC2-F2"]])
    out = _run(tf.sparse.cross([dense, _sp([["batch1-FC1-F1"], ["batch2-FC1-F1",
                                                                 "batch2-FC1-F2"]])]))
    assert out.values.tolist()[:2] == [b"batch1-FC1-F1_X_batch1-FC2-F1",     # sparse first
                                       b"batch1-FC1-F1_X_batch1-FC2-F2"]
    res = doctest.testmod(sh, optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0
