"""The names and limits of dlcore's SavedModel layout (see the package docstring)."""

FORMAT, VERSION = "dlcore-saved-model", 1
INDEX = "saved_model.json"          # the index: tags, graph files, signatures, main op
GRAPH_DIR = "meta_graphs"           # one dlcore graph file per meta graph: <i>.meta
GRAPH_SUFFIX = ".meta"
VARIABLES_DIR = "variables"         # the checkpoint: variables/variables.safetensors
VARIABLES_FILE = "variables"
MAX_INDEX_BYTES = 64 << 20
MAX_META_GRAPHS = 1024
INIT_OP_SIGNATURE_KEY = "__saved_model_init_op"
TRAIN_OP_SIGNATURE_KEY = "__saved_model_train_op"
