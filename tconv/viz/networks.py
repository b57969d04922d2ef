"""What a segmentation network's diagram shows, read from a built model: its feature maps and the links between them.

The diagrams speak the visual language of Ronneberger, Fischer & Brox (2015, figure 1): every
feature map is a bar whose **height follows its resolution** (its side) and whose **width
follows its channels**, laid out left to right in the order the network computes them and
top to bottom by resolution, so an encoder-decoder draws its own "U"; arrows say what turns
one map into the next (a convolution, a pooling, an up-convolution, a copy of a skip, a
residual addition). :func:`network_diagram` builds the :class:`Diagram` of a built
:class:`tconv.seg.models.UNet`, :class:`~tconv.seg.models.FCN` or
:class:`~tconv.seg.models.VNet`: the channels and sides come from the model's own
``summary()`` on an input of ``size`` (nothing is copied from its arguments), the parameter
counts from its layers. :mod:`tconv.viz.network_plot` draws it.

>>> from tconv.seg.models import UNet
>>> d = network_diagram(UNet(base=4, depth=2), size=16)
>>> [(m.key, m.channels, m.side) for m in d.maps][:4]
[('input', 1, 16), ('encoder.0.0', 4, 16), ('encoder.0.2', 4, 16), ('encoder.1.0', 8, 8)]
>>> sorted({link.op for link in d.links})
['conv', 'copy', 'head', 'pool', 'up']
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Map", "Link", "Diagram", "OPERATIONS", "network_diagram", "build_network", "network_words"]

#: What an arrow can mean: its legend words (the upsampler's are filled in by the model).
OPERATIONS = {
    "conv": "conv 3×3 + ReLU",
    "pool": "max-pool 2×2",
    "down": "conv 2×2, stride 2",
    "up": "up-conv 2×2 (transposed, stride 2)",
    "copy": "copy (skip connection)",
    "head": "conv 1×1 → class scores",
    "score": "conv 1×1 → class scores",
    "add": "add (fuse)",
    "skip": "skip: conv 1×1 → class scores, added",
    "residual": "residual stage: convs + its input",
}


@dataclass(frozen=True)
class Map:
    """One feature map: a bar at ``column`` (in the order of computation) and ``level`` (0 = full resolution).

    ``role`` is ``input``, ``feature``, ``copied`` (a skip, concatenated), ``scores`` or ``output``;
    ``beside`` names the map it is drawn against (a copied skip touches the up-convolution's map).
    """

    key: str
    column: float
    level: int
    channels: int
    side: int
    role: str = "feature"
    beside: str | None = None


@dataclass(frozen=True)
class Link:
    """An arrow from map ``start`` to map ``end`` meaning ``op`` (a key of :data:`OPERATIONS`)."""

    start: str
    end: str
    op: str


@dataclass
class Diagram:
    """The maps and links of one network, its name, the legend's words and the parameter counts by part."""

    name: str
    maps: list
    links: list
    dims: int
    legend: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)

    def map(self, key: str) -> Map:
        return next(m for m in self.maps if m.key == key)


class _Builder:
    """Maps and links placed one after the other, the shapes read from the model's summary rows."""

    def __init__(self, rows: dict, size: int, small: int):
        self.rows, self.size, self.small = rows, size, small
        self.maps, self.links, self.column = [], [], 0.0

    def shape(self, name: str) -> tuple[int, int]:
        channels, *spatial = self.rows[name].output_shape[1:]
        return channels, spatial[0] * self.size // self.small

    def add(self, key, level, shape, *, role="feature", op=None, start=None, step=1.0, beside=None):
        self.column += step
        channels, side = shape
        self.maps.append(Map(key, self.column, level, channels, side, role, beside))
        if op is not None:
            self.links.append(Link(start if start is not None else self.maps[-2].key, key, op))
        return key


def _unet(model, b: _Builder, config) -> None:
    depth = config["depth"]
    previous = b.add("input", 0, (config["in_channels"], b.size), role="input", step=0)
    skips = []
    for level in range(depth):
        first = b.add(f"encoder.{level}.0", level, b.shape(f"encoder.{level}.0"), op="conv" if level == 0 else "pool",
                      start=previous, step=1.0 if level == 0 else 0.0)
        previous = b.add(f"encoder.{level}.2", level, b.shape(f"encoder.{level}.2"), op="conv", start=first)
        skips.append(previous)
    first = b.add("bottleneck.0", depth, b.shape("bottleneck.0"), op="pool", start=previous, step=0)
    previous = b.add("bottleneck.2", depth, b.shape("bottleneck.2"), op="conv", start=first)
    for i, level in enumerate(reversed(range(depth))):
        up = b.add(f"up.{i}", level, b.shape(f"up.{i}"), op="up", start=previous, step=0.0)
        skip = skips[level]
        channels, side = b.shape(f"encoder.{level}.2")
        b.maps.append(Map(f"copy.{level}", b.column, level, channels, side, "copied", beside=up))
        b.links.append(Link(skip, f"copy.{level}", "copy"))
        first = b.add(f"decoder.{i}.0", level, b.shape(f"decoder.{i}.0"), op="conv", start=up)
        previous = b.add(f"decoder.{i}.2", level, b.shape(f"decoder.{i}.2"), op="conv", start=first)
    b.add("head", 0, b.shape("head"), role="output", op="head", start=previous)


def _fcn(model, b: _Builder, config) -> None:
    previous = b.add("input", 0, (config["in_channels"], b.size), role="input", step=0)
    quarter = None
    for stage in range(4):
        level = stage
        if stage == 2:              # FCN's skip is the pooled map at 1/4, the input of stage 2
            channels, side = b.shape("stages.1.2")
            quarter = b.add("quarter", level, (channels, side // 2), op="pool", start=previous, step=0)
            first = b.add(f"stages.{stage}.0", level, b.shape(f"stages.{stage}.0"), op="conv", start=quarter)
        else:
            first = b.add(f"stages.{stage}.0", level, b.shape(f"stages.{stage}.0"),
                          op="conv" if stage == 0 else "pool", start=previous, step=1.0 if stage == 0 else 0.0)
        previous = b.add(f"stages.{stage}.2", level, b.shape(f"stages.{stage}.2"), op="conv", start=first)
    scores = b.add("score", 3, b.shape("score"), role="scores", op="score", start=previous, step=1.0)
    up2 = b.add("up2", 2, b.shape("up2"), role="scores", op="up", start=scores, step=0.0)
    fused = b.add("fused", 2, b.shape("up2"), role="scores", op="add", start=up2, step=1.0)
    b.links.append(Link(quarter, fused, "skip"))        # score_skip: conv 1x1 of the 1/4 features, added
    b.add("up4", 0, b.shape("up4"), role="output", op="up", start=fused, step=1.0)


def _vnet(model, b: _Builder, config) -> None:
    depth = config["depth"]
    b.add("input", 0, (config["in_channels"], b.size), role="input", step=0)
    previous = b.add("stage.input", 0, b.shape("input"), op="residual")
    skips = [previous]
    for level in range(depth):
        down = b.add(f"down.{level}", level + 1, b.shape(f"down.{level}"), op="down", start=previous, step=0)
        previous = b.add(f"encoder.{level}", level + 1, b.shape(f"encoder.{level}"), op="residual", start=down)
        skips.append(previous)
    skips.pop()
    for i, level in enumerate(reversed(range(depth))):
        up = b.add(f"up.{i}", level, b.shape(f"up.{i}"), op="up", start=previous, step=0.0)
        channels, side = b.shape(f"up.{i}")
        b.maps.append(Map(f"copy.{level}", b.column, level, channels, side, "copied", beside=up))
        b.links.append(Link(skips[level], f"copy.{level}", "copy"))
        previous = b.add(f"decoder.{i}", level, b.shape(f"decoder.{i}"), op="residual", start=up)
    b.add("head", 0, b.shape("head"), role="output", op="head", start=previous)


_BUILDERS = {"unet": _unet, "fcn": _fcn, "vnet": _vnet}
_PARTS = {
    "unet": ("encoder", "bottleneck", "up", "decoder", "head"),
    "fcn": ("stages", "score", "score_skip", "up2", "up4"),
    "vnet": ("input", "down", "encoder", "up", "decoder", "head"),
}


def network_diagram(model, size: int = 64) -> Diagram:
    """The :class:`Diagram` of a built U-Net, FCN or V-Net lite, its shapes from ``model.summary`` at side ``size``.

    ``size`` must be divisible by the model's total downsampling (``2**depth``; 8 for the FCN).
    """
    config = model.config()
    name = config.get("model")
    if name not in _BUILDERS:
        raise ValueError(f"a network diagram draws a tconv U-Net, FCN or V-Net; got {type(model).__name__}")
    halvings = 3 if name == "fcn" else config["depth"]
    if isinstance(size, bool) or not isinstance(size, int) or not 2 ** halvings <= size <= 4096 \
            or size % 2 ** halvings:
        raise ValueError(f"size={size!r} must be an int from {2 ** halvings} to 4096 divisible by "
                         f"2**{halvings} = {2 ** halvings}, so that each of the {name}'s {halvings} halvings is exact")
    small = 2 ** halvings
    dims = config["dim"]
    rows = {r.name: r for r in model.summary((1, config["in_channels"]) + (small,) * dims, show=False)}
    builder = _Builder(rows, size, small)
    _BUILDERS[name](model, builder, config)
    legend = dict(OPERATIONS)
    if name == "unet":
        legend["up"] = _UP_WORDS[config["up"]]
        if config["batch_norm"]:
            legend["conv"] = "conv 3×3 + batch norm + ReLU"
    if name == "fcn":
        legend["up"] = "up-conv ×2 and ×4 (transposed, bilinear init)"
        legend["pool"] = "max-pool 2×2"
    if name == "vnet":
        legend["up"] = "up-conv 2×2×2 (transposed, stride 2)" if dims == 3 else legend["up"]
        legend["down"] = "conv 2×2×2, stride 2" if dims == 3 else legend["down"]
        legend["residual"] = f"residual stage: {config['convs']} × conv {config['kernel_size']}" + \
            ("×" + str(config["kernel_size"])) * (dims - 1) + " + its input"
    used = {link.op for link in builder.links}
    parameters = {part: sum(r.parameters for key, r in rows.items() if key == part) for part in _PARTS[name]}
    return Diagram(name, builder.maps, builder.links, dims, {op: legend[op] for op in OPERATIONS if op in used
                                                             and legend[op]}, parameters)


_UP_WORDS = {
    "transpose": "up-conv 2×2 (transposed, stride 2)",
    "resize": "resize ×2 (nearest) + conv 3×3",
    "bilinear": "up-conv 4×4 (transposed, stride 2, bilinear init)",
}


_TITLES = {"unet": "U-Net", "fcn": "FCN", "vnet": "V-Net lite"}


def build_network(name: str, *, depth=3, base=16, size=64, in_channels=1, classes=2, up="transpose"):
    """``(model, diagram)``: the model ``tconv figure NAME`` draws, built with these arguments, and its diagram.

    The arguments are checked before any weight is made: a widest layer of at most 1024
    channels, ``size`` divisible by the model's downsampling.
    """
    from ..seg.models import FCN, UNet, VNet

    for option, value, low, high in (("depth", depth, 1, 6 if name == "unet" else 5), ("base", base, 1, 1024),
                                     ("size", size, 2, 4096), ("in_channels", in_channels, 1, 1024),
                                     ("classes", classes, 1, 1024)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{option}={value!r} must be an int from {low} to {high}")
    halvings = 3 if name == "fcn" else depth
    if base * 2 ** halvings > 1024:
        raise ValueError(f"base={base} gives {base * 2 ** halvings} channels at the bottom of the {_TITLES[name]}; "
                         "a drawn network may have at most 1024 (its weights are built to count them)")
    if size % 2 ** halvings:
        raise ValueError(f"size={size} must be divisible by 2**depth = {2 ** halvings} so that each of the "
                         f"{halvings} poolings halves it exactly (e.g. size={2 ** halvings * max(1, round(size / 2 ** halvings))})")
    if name == "unet":
        if up not in _UP_WORDS:
            raise ValueError(f"up={up!r} must be one of {tuple(_UP_WORDS)}")
        model = UNet(in_channels, classes, base, depth, up)
    elif name == "fcn":
        model = FCN(in_channels, classes, base)
    else:
        model = VNet(in_channels, classes, base, depth)
    return model, network_diagram(model, size)


def network_words(name: str, **options) -> "Words":
    """The title, caption and notes of a network's diagram (what a slide leaves out: the parameter counts).

    >>> network_words("unet", depth=3, base=16, size=64).title
    'U-Net: depth 3, 16 channels at full resolution, 1 × 64 × 64 → 2 × 64 × 64'
    """
    from .words import Words

    model, diagram = build_network(name, **options)
    config = model.config()
    size, dims = options.get("size", 64), config["dim"]
    shape = f"{size}³" if dims == 3 else " × ".join([str(size)] * dims)
    depth = 3 if name == "fcn" else config["depth"]
    title = (f"{_TITLES[name]}: depth {depth}, {config['base']} channels at full resolution, "
             f"{config['in_channels']} × {shape} → {config['num_classes']} × {shape}")
    total = sum(diagram.parameters.values())
    what = {"unet": f"a U-Net of depth {depth} (its {depth} poolings halve the side {depth} times), upsampling "
                    f"with {diagram.legend['up']}",
            "fcn": "an FCN: class scores at 1/8 of the side, upsampled ×2 and fused with scores of the 1/4 features, "
                   "then upsampled ×4",
            "vnet": f"a V-Net lite in {dims}-D of depth {depth}: residual stages, strided convolutions down, "
                    "transposed convolutions up"}[name]
    caption = (f"The architecture of {what}, drawn from the built model: each bar is a feature map, its height "
               f"the side, its width the channels; {total:,} parameters.")
    notes = [title + ".", f"{total:,} parameters: " + ", ".join(f"{part} {count:,}" for part, count in
                                                                  diagram.parameters.items()) + "."]
    notes += [f"Arrows: {', '.join(f'{words}' for words in diagram.legend.values())}."]
    return Words(title, caption, tuple(notes))
