"""Reading and writing one volume file: ``.npy``, multi-page TIFF stacks and NIfTI (``.nii``, ``.nii.gz``).

Volumes are kept where 3-D users keep them. The spatial axes are the file's own axes, in the
order stored (a TIFF stack's pages are the first axis, a NIfTI volume's ``(i, j, k)`` voxel
axes), so a prediction written back lines up with its input in any viewer.

Images become float32 ``(C, D, H, W)`` in ``[0, 1]``:

* ``.npy``: ``(D, H, W)`` (one channel) or ``(C, D, H, W)`` with ``C <= 4``; bool, integer or
  float values;
* TIFF: two or more pages of one size, grey (``L``, ``I;16``, ``I``, ``F``) or ``RGB``;
* NIfTI (needs ``nibabel``: ``pip install "tconv[nifti]"``): ``(X, Y, Z)`` or ``(X, Y, Z, C)``
  (channels last, as NIfTI stores them; moved first); the scaling of the header is applied;
* ``uint8`` values are divided by 255; any other type is scaled per volume to ``[0, 1]`` by its
  own minimum and maximum (CT's Hounsfield units, MRI's arbitrary units); a constant volume is 0.

Masks become int64 ``(D, H, W)`` class ids: integer (or whole-number float) values ``>= 0``,
one channel. :func:`write_volume_mask` writes class ids in the input's format (NIfTI keeps the
input's affine and header), atomically. Errors are ``ValueError``\\ s naming the file and the rule.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ...serialization import atomic_write

__all__ = ["VOLUME_EXTENSIONS", "NIFTI_MISSING", "MAX_VOXELS", "suffix", "stem", "is_volume_file", "volume_header",
           "read_volume", "read_volume_mask", "write_volume_mask", "resize_volume", "resize_volume_mask"]

VOLUME_EXTENSIONS = (".npy", ".nii", ".nii.gz", ".tif", ".tiff")
NIFTI_MISSING = "reading NIfTI files needs nibabel: pip install 'tconv[nifti]' (or pip install nibabel)"
_MAX_CHANNELS = 4
#: The largest volume read (voxels times channels), checked from the header before any decoding:
#: 512^3, about 1 GiB once converted to float64 (crop or downsample larger scans first).
MAX_VOXELS = 512 ** 3


def suffix(path) -> str:
    """The lower-case extension, ``.nii.gz`` counted as one.

    >>> suffix("scan.NII.GZ"), suffix("a.b.npy")
    ('.nii.gz', '.npy')
    """
    name = Path(path).name.lower()
    return ".nii.gz" if name.endswith(".nii.gz") else Path(name).suffix


def stem(path) -> str:
    """The name without its extension (``scan.nii.gz`` -> ``scan``).

    >>> stem("data/case_01.nii.gz"), stem("x/a.png")
    ('case_01', 'a')
    """
    name = Path(path).name
    return name[: -len(suffix(name))] if suffix(name) else name


def _nibabel(path):
    try:
        import nibabel
    except ImportError:
        raise ValueError(f"{path}: {NIFTI_MISSING}") from None
    try:
        return nibabel.load(str(path))
    except Exception as error:                       # nibabel raises many kinds on a damaged file
        raise ValueError(f"{path}: cannot read it as NIfTI ({error})") from None


def _tiff_pages(path):
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(path)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValueError(f"{path}: cannot read it as a TIFF stack ({error})") from None


def is_volume_file(path) -> bool:
    """Whether ``path`` holds a volume: ``.npy``, NIfTI, or a TIFF with more than one page."""
    kind = suffix(path)
    if kind in (".npy", ".nii", ".nii.gz"):
        return True
    if kind in (".tif", ".tiff"):
        try:
            with _tiff_pages(path) as picture:
                return getattr(picture, "n_frames", 1) > 1
        except ValueError:
            return False
    return False


def volume_header(path) -> tuple[tuple, int]:
    """``((D, H, W), channels)`` of a volume file, read from its header (nothing large is decoded)."""
    path = Path(path)
    kind = suffix(path)
    if kind == ".npy":
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: cannot read it as a .npy array ({error})") from None
        shape = array.shape
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{path}: dtype {array.dtype}; volumes hold bool, integer or float values")
        if len(shape) == 3:
            return tuple(shape), 1
        if len(shape) == 4 and shape[0] <= _MAX_CHANNELS:
            return tuple(shape[1:]), shape[0]
        raise ValueError(f"{path}: a .npy volume is (D, H, W) or (C, D, H, W) with C <= {_MAX_CHANNELS}; got shape "
                         f"{shape}")
    if kind in (".nii", ".nii.gz"):
        shape = tuple(int(n) for n in _nibabel(path).shape)
        if len(shape) == 3:
            return shape, 1
        if len(shape) == 4 and shape[3] <= _MAX_CHANNELS:
            return shape[:3], shape[3]
        raise ValueError(f"{path}: a NIfTI volume is (X, Y, Z) or (X, Y, Z, C) with C <= {_MAX_CHANNELS}; got "
                         f"shape {shape}")
    if kind in (".tif", ".tiff"):
        with _tiff_pages(path) as picture:
            pages = getattr(picture, "n_frames", 1)
            channels = 3 if picture.mode in ("RGB", "RGBA") else 1
            return (pages, picture.height, picture.width), channels
    raise ValueError(f"{path}: not a volume file; volumes are {', '.join(VOLUME_EXTENSIONS)}")


def _check_size(path: Path) -> None:
    shape, channels = volume_header(path)
    voxels = int(np.prod(shape)) * channels
    if voxels > MAX_VOXELS:
        raise ValueError(f"{path}: {' x '.join(map(str, shape))} voxels x {channels} channel(s) is more than the "
                         f"{MAX_VOXELS:,} tconv reads at once (512^3); crop or downsample the volume first")


def _raw(path: Path) -> np.ndarray:
    """The file's values, channels first: ``(D, H, W)`` or ``(C, D, H, W)``."""
    _check_size(path)
    kind = suffix(path)
    if kind == ".npy":
        volume_header(path)                                  # checks the shape and dtype first
        return np.load(path, allow_pickle=False)
    if kind in (".nii", ".nii.gz"):
        volume_header(path)
        values = np.asanyarray(_nibabel(path).dataobj)
        return np.moveaxis(values, -1, 0) if values.ndim == 4 else values
    shape, channels = volume_header(path)
    from PIL import ImageSequence

    with _tiff_pages(path) as picture:
        try:
            pages = [np.asarray(page.convert("RGB") if channels == 3 else page) for page in
                     ImageSequence.Iterator(picture)]
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: a TIFF page is corrupt or truncated ({error})") from None
    if len({page.shape for page in pages}) > 1:
        raise ValueError(f"{path}: the TIFF pages have different sizes {sorted({p.shape for p in pages})}; a "
                         "stack's pages must have one size")
    stack = np.stack(pages)
    return np.moveaxis(stack, -1, 0) if channels == 3 else stack


def read_volume(path) -> np.ndarray:
    """The volume image at ``path`` as float32 ``(C, D, H, W)`` in ``[0, 1]`` (rules in the module docstring).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "v.npy"
    ...     np.save(path, np.arange(8, dtype=np.int16).reshape(2, 2, 2) - 4)
    ...     read_volume(path)[0, 1].tolist()
    [[0.5714285969734192, 0.7142857313156128], [0.8571428656578064, 1.0]]
    """
    path = Path(path)
    values = _raw(path)
    if values.ndim == 3:
        values = values[None]
    if values.dtype == np.uint8:
        return (values / 255.0).astype(np.float32)
    values = values.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{path}: the volume holds NaN or infinite values; volumes must be finite")
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return scaled.astype(np.float32)


def read_volume_mask(path) -> np.ndarray:
    """The volume mask at ``path`` as int64 class ids ``(D, H, W)``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "m.npy"
    ...     np.save(path, np.array([[[0, 1], [2, 0]]], np.uint8))
    ...     read_volume_mask(path).tolist()
    [[[0, 1], [2, 0]]]
    """
    path = Path(path)
    values = _raw(path)
    if values.ndim != 3:
        raise ValueError(f"{path}: a volume mask has one channel (D, H, W); this one has shape {values.shape}")
    if values.dtype.kind == "f":
        if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
            raise ValueError(f"{path}: the mask has non-integer values; masks hold class ids 0, 1, 2, ...")
    values = values.astype(np.int64)
    if values.size and values.min() < 0:
        raise ValueError(f"{path}: the mask has negative values (min {values.min()}); class ids are >= 0")
    return values


def write_volume_mask(path, labels: np.ndarray, like) -> None:
    """Write class ids ``labels (D, H, W)`` to ``path`` in the format of its suffix, atomically.

    ``like`` is the input volume the labels belong to: a NIfTI output keeps its affine and
    header (so it overlays the scan in a viewer). Ids are stored as uint8 (uint16 above 255).
    """
    path, like = Path(path), Path(like)
    labels = np.asarray(labels)
    labels = labels.astype(np.uint8 if labels.max(initial=0) < 256 else np.uint16)
    kind = suffix(path)
    if kind == ".npy":
        def write_npy(temporary):
            with open(temporary, "wb") as file:
                np.save(file, labels, allow_pickle=False)
        atomic_write(path, write_npy)
    elif kind in (".nii", ".nii.gz"):
        import nibabel

        source = _nibabel(like)
        header = source.header.copy()
        header.set_data_dtype(labels.dtype)
        header["scl_slope"], header["scl_inter"] = 1, 0
        image = nibabel.Nifti1Image(labels, source.affine, header)
        data = image.to_bytes()
        data = gzip.compress(data, mtime=0) if kind == ".nii.gz" else data
        atomic_write(path, lambda temporary: Path(temporary).write_bytes(data))
    elif kind in (".tif", ".tiff"):
        from PIL import Image

        pages = [Image.fromarray(page) for page in labels]
        atomic_write(path, lambda temporary: pages[0].save(temporary, format="TIFF", save_all=True,
                                                           append_images=pages[1:]))
    else:
        raise ValueError(f"{path}: volumes are written as {', '.join(VOLUME_EXTENSIONS)}")


def resize_volume(volume: np.ndarray, size) -> np.ndarray:
    """``volume (C, D, H, W)`` float32 resized to ``size = (D', H', W')`` trilinearly (PyTorch's rule).

    >>> resize_volume(np.ones((1, 2, 2, 2), np.float32), (4, 3, 2)).shape
    (1, 4, 3, 2)
    """
    from ...ops.resize import interpolate

    resized = interpolate(volume[None].astype(np.float32), size=tuple(size), mode="trilinear", align_corners=False)
    return np.clip(resized[0], 0.0, 1.0).astype(np.float32)


def resize_volume_mask(mask: np.ndarray, size) -> np.ndarray:
    """Class ids ``(D, H, W)`` resized to ``size`` by nearest neighbour (no new class ids appear).

    >>> resize_volume_mask(np.array([[[0, 1], [2, 3]]]), (1, 4, 4))[0, ::2, ::2].tolist()
    [[0, 1], [2, 3]]
    """
    from ...ops.resize import interpolate

    resized = interpolate(np.asarray(mask, np.float64)[None, None], size=tuple(size), mode="nearest")
    return resized[0, 0].astype(np.int64)
