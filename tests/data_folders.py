"""Users' data folders, made by the tests: the formats beginners' masks come in, and their mistakes.

Each maker writes ``root/images`` and ``root/masks`` from tconv's seeded synthetic shapes (so a
network can learn them) and returns ``(root, masks)``: the class ids the test expects, one
array per pair in sorted name order, computed here from the generator, not by tconv's readers.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from tconv.seg.data import SyntheticShapes, SyntheticShapes3D

#: The colours of the RGB folder, in the class-id order tconv's automatic table gives them
#: (sorted by (r, g, b): black first).
COLOURS = [(0, 0, 0), (0, 128, 255), (255, 0, 0)]


def _shapes(n, size, seed, classes=3, **knobs):
    data = SyntheticShapes(n, size=size, seed=seed, shapes=("disc", "cross", "ring")[:classes - 1], **knobs)
    return [data[i] for i in range(n)]


def _layout(root):
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    return root


def _save_image(image, path):
    Image.fromarray(np.round(image[0] * 255).astype(np.uint8)).save(path)


def ids_folder(root, n=6, size=32, seed=0, classes=3):
    """Grey PNG masks whose values are class ids."""
    _layout(root)
    items = _shapes(n, size, seed, classes)
    for i, (image, mask) in enumerate(items):
        _save_image(image, root / "images" / f"item{i:02d}.png")
        Image.fromarray(mask.astype(np.uint8)).save(root / "masks" / f"item{i:02d}.png")
    return root, [mask for _, mask in items]


def binary_folder(root, n=6, size=32, seed=0):
    """Binary masks saved as 0/255 (the most common format of binary masks)."""
    _layout(root)
    items = _shapes(n, size, seed, classes=2)
    for i, (image, mask) in enumerate(items):
        _save_image(image, root / "images" / f"b{i}.png")
        Image.fromarray((mask * 255).astype(np.uint8)).save(root / "masks" / f"b{i}.png")
    return root, [mask for _, mask in items]


def palette_folder(root, n=6, size=32, seed=0):
    """PASCAL VOC-style palette PNGs: index = class id, 255 'void' along a band (read as background)."""
    _layout(root)
    items = _shapes(n, size, seed, classes=3)
    expected = []
    palette = [0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * (252 * 3) + [224, 224, 192]
    for i, (image, mask) in enumerate(items):
        indices = mask.astype(np.uint8).copy()
        indices[0, :] = 255                                      # a void band along the top
        picture = Image.frombytes("P", (size, size), indices.tobytes())
        picture.putpalette(palette)
        _save_image(image, root / "images" / f"p{i}.png")
        picture.save(root / "masks" / f"p{i}.png")
        truth = mask.copy()
        truth[0, :] = 0
        expected.append(truth)
    return root, expected


def rgb_folder(root, n=6, size=32, seed=0, colours=None):
    """RGB colour masks: class k painted in ``colours[k]`` (default :data:`COLOURS` order)."""
    _layout(root)
    colours = colours or COLOURS
    items = _shapes(n, size, seed, classes=len(colours))
    for i, (image, mask) in enumerate(items):
        rgb = np.array(colours, np.uint8)[mask]
        _save_image(image, root / "images" / f"c{i}.png")
        Image.fromarray(rgb).save(root / "masks" / f"c{i}.png")
    return root, [mask for _, mask in items]


def imbalanced_folder(root, n=8, size=48, seed=0):
    """Tiny discs: the object holds about 1% of the pixels."""
    _layout(root)
    items = _shapes(n, size, seed, classes=2, count_range=(1, 1), radius_range=(0.05, 0.08))
    for i, (image, mask) in enumerate(items):
        _save_image(image, root / "images" / f"t{i}.png")
        Image.fromarray(mask.astype(np.uint8)).save(root / "masks" / f"t{i}.png")
    return root, [mask for _, mask in items]


def mismatched_folder(root):
    """A tired user's folder: an image without a mask, a mask without an image, a pair of different
    sizes, a JPEG mask, and a notes file; three good pairs."""
    root, masks = ids_folder(root, n=3)
    image = np.zeros((20, 20), np.uint8)
    Image.fromarray(image).save(root / "images" / "lonely.png")
    Image.fromarray(image).save(root / "masks" / "orphan.png")
    Image.fromarray(image).save(root / "images" / "wrong_size.png")
    Image.fromarray(np.zeros((20, 24), np.uint8)).save(root / "masks" / "wrong_size.png")
    Image.fromarray(image).save(root / "images" / "jpeg.png")
    Image.fromarray(image).save(root / "masks" / "jpeg.jpg")
    (root / "images" / "notes.txt").write_text("annotator: me")
    return root, masks


def volume_folder(root, fmt="npy", n=4, size=16, seed=0):
    """Volumes of spheres and cubes as ``.npy`` (uint8 images), ``.nii.gz`` (float64 images) or
    multi-page ``.tif`` (16-bit images)."""
    _layout(root)
    data = SyntheticShapes3D(n, size=size, seed=seed, shapes=("sphere", "cube"), count_range=(1, 2),
                             radius_range=(0.25, 0.4))
    masks = []
    for i in range(n):
        image, mask = data[i]
        masks.append(mask)
        name = f"vol{i}"
        if fmt == "npy":
            np.save(root / "images" / f"{name}.npy", np.round(image[0] * 255).astype(np.uint8))
            np.save(root / "masks" / f"{name}.npy", mask.astype(np.uint8))
        elif fmt == "nii.gz":
            import nibabel

            affine = np.diag([0.8, 0.8, 2.0, 1.0])
            nibabel.save(nibabel.Nifti1Image(image[0].astype(np.float64) * 1000 - 200, affine),
                         root / "images" / f"{name}.nii.gz")
            nibabel.save(nibabel.Nifti1Image(mask.astype(np.uint8), affine), root / "masks" / f"{name}.nii.gz")
        else:
            pages = [Image.fromarray((page * 4000).astype(np.uint16)) for page in image[0]]
            pages[0].save(root / "images" / f"{name}.tif", save_all=True, append_images=pages[1:])
            pages = [Image.fromarray(page.astype(np.uint8)) for page in mask]
            pages[0].save(root / "masks" / f"{name}.tif", save_all=True, append_images=pages[1:])
    return root, masks
