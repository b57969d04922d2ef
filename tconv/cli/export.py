"""``tconv export MODEL.npz -o model.onnx``: a trained model as a standard ONNX graph.

The work is :func:`tconv.seg.models.export_onnx`; this module reads the checkpoint, chooses
the example input, checks the file names, and (when ONNX Runtime is installed) runs the
written graph once against tconv.
"""
from __future__ import annotations

from . import UsageError

HELP = "write a model trained by tconv train as an ONNX graph (runs without tconv)"
DESCRIPTION = """\
Export a checkpoint written by 'tconv train' (model.npz) as an ONNX graph that ONNX Runtime,
OpenCV, TensorRT or onnxruntime-web run without tconv: input 'image' float32 (N, C, H, W) (volumes
(N, C, D, H, W)) scaled to [0, 1] as tconv reads images, output 'logits' (N, classes, H, W); the
class of a pixel is the argmax over axis 1, as in 'tconv predict'. The batch and spatial axes are
dynamic (any size of at least 2**depth per side) unless --size fixes them. The class names, the
model's configuration and the preprocessing are stored in the file's metadata.

Needs the onnx package (pip install 'tconv[onnx]', which brings onnxruntime too). With onnxruntime,
the written graph is run once on a random input and compared with tconv. An existing file is replaced only with
--overwrite, and never the checkpoint itself."""
EXAMPLES = """\
examples:
  tconv export runs/20261201-1200/model.npz -o model.onnx
  tconv export runs/20261201-1200/model.npz -o model_128.onnx --size 128 128
"""
PROG = "tconv export"


def add_arguments(parser) -> None:
    """``MODEL``, ``-o``, ``--size``, ``--overwrite``."""
    parser.add_argument("model", metavar="MODEL.npz", help="a checkpoint written by tconv train")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.onnx", help="the ONNX file to write")
    parser.add_argument("--size", type=int, nargs="+", metavar="N",
                        help="fix the input's spatial size and a batch of 1 (default: dynamic batch and sizes)")
    parser.add_argument("--overwrite", action="store_true", help="replace FILE.onnx if it exists")


def _example_shape(model, checkpoint, size, minimum):
    """The example input: --size, else the training size, else the synthetic data's default side (at least
    ``minimum``)."""
    from ..seg.train.recipe import DIM_DEFAULTS

    dim, channels = checkpoint["info"]["spatial_dims"], checkpoint["info"]["in_channels"]
    if size is not None:
        if len(size) not in (1, dim):
            raise UsageError(f"--size takes one side or {dim} sides for this {dim}-D model, got {len(size)}", PROG)
        sides = list(size) * dim if len(size) == 1 else list(size)
        limit = 8192 if dim == 2 else 512
        for side in sides:
            if not minimum <= side <= limit:
                raise UsageError(f"--size {side}: this model takes sides of at least {minimum} pixels (it halves the "
                                 f"size {minimum.bit_length() - 1} times); the limit is {limit}", PROG)
        return (1, channels, *sides)
    trained = checkpoint["config"].get("size")                 # the training size, folder or synthetic
    sides = list(trained)[:dim] if trained else [DIM_DEFAULTS[dim]["size"]] * dim
    return (1, channels, *(max(side, minimum) for side in sides))


def _preprocessing(checkpoint) -> str:
    info, config = checkpoint["info"], checkpoint["config"]
    kind = "volume" if info["spatial_dims"] == 3 else "image"
    text = (f"float32 {kind}s with {info['in_channels']} channel(s), channels first, values in [0, 1] (8-bit "
            "pixels divided by 255)")
    if config.get("data") is not None and config.get("size"):
        text += f"; trained on {kind}s resized to {' x '.join(map(str, config['size']))}"
    return text


def _check_with_runtime(path, model, shape) -> str:
    """Run the written graph once in ONNX Runtime on a random input and compare it with tconv."""
    try:
        import onnxruntime
    except ImportError:
        return "(pip install onnxruntime to run it and check it against tconv)"
    import numpy as np

    from ..autograd import Tensor, no_grad

    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    onnx_logits = session.run(None, {"image": x})[0]
    with no_grad():
        logits = model(Tensor(x)).data
    difference = float(np.abs(onnx_logits - logits).max())
    same = float(np.mean(onnx_logits.argmax(axis=1) == logits.argmax(axis=1)))
    return (f"checked with ONNX Runtime {onnxruntime.__version__} on a random {tuple(shape)} input: largest logit "
            f"difference {difference:.1e}, {100 * same:.1f}% of pixels get the same class")


def run(args) -> int:
    """Check the names, export, check the result, print a summary."""
    import os
    from pathlib import Path

    from ..seg.models.export import ONNX_MISSING, export_onnx, minimum_side
    from ..seg.train.inference import load_model

    out = Path(args.output)
    if out.suffix.lower() != ".onnx":
        raise UsageError(f"-o {out}: the ONNX file's name must end in .onnx", PROG)
    if out.is_dir():
        raise UsageError(f"-o {out} is a folder; give a file name such as model.onnx", PROG)
    if out.exists() and os.path.samefile(out, args.model):
        raise UsageError(f"-o {out} is the checkpoint itself; choose another file", PROG)
    if out.exists() and not args.overwrite:
        raise UsageError(f"-o {out} exists; add --overwrite to replace it, or choose another file", PROG)
    if not out.parent.is_dir():
        raise UsageError(f"-o {out}: the folder {out.parent} does not exist", PROG)
    try:
        model, checkpoint = load_model(args.model)
    except ValueError as error:
        raise UsageError(str(error), PROG) from None
    shape = _example_shape(model, checkpoint, args.size, minimum_side(model))
    try:
        summary = export_onnx(model, out, shape, dynamic=args.size is None, overwrite=args.overwrite,
                              class_names=checkpoint["info"]["class_names"], preprocessing=_preprocessing(checkpoint))
    except ImportError:
        raise UsageError(ONNX_MISSING, PROG) from None
    name, in_shape = summary["input"]
    _, out_shape = summary["output"]
    nodes = ", ".join(f"{op} {n}" for op, n in sorted(summary["nodes"].items(), key=lambda item: -item[1]))
    print(f"wrote {out}: {type(model).__name__}, opset {summary['opset']}")
    print(f"  input  '{name}' float32 {_spell(in_shape)}   (sides of at least {summary['minimum_side']})")
    print(f"  output 'logits' float32 {_spell(out_shape)}   classes: {', '.join(checkpoint['info']['class_names'])}")
    print(f"  nodes: {nodes}")
    print(f"  {_check_with_runtime(out, model, shape)}")
    print("next: python -c \"import onnxruntime as ort; s = ort.InferenceSession('" + str(out) + "'); "
          "print([i.shape for i in s.get_inputs()])\"")
    return 0


def _spell(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ")"
