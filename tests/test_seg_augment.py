"""Paired augmentation: calling convention, one draw for all targets, seeds, p, permutations, 3-D.

References are independent of the code under test: index formulas written here (a flip is
``x[..., ::-1]``), ``np.rot90`` / ``np.pad``, and coordinate-encoded images with id masks
(tests/seg_augment_cases.py) that show where every output pixel came from.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seg_augment_cases import (FILL_ID, assert_moved_together_exactly, assert_moved_together_within_half_pixel,
                               coordinate_image, id_mask)

import tconv
from tconv.seg.augment import (Affine, Compose, DepthFlip, ElasticTransform, GaussianBlur, GaussNoise,
                               HorizontalFlip, Normalize, OneOf, PadIfNeeded, RandomBrightnessContrast,
                               RandomCrop, RandomGamma, RandomRotate90, VerticalFlip)

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=25)
sizes = st.integers(2, 9)

# Transforms that permute pixels (exact) and warps (interpolate), built for an input of (h, w).
PERMUTATIONS = {
    "hflip": lambda h, w: HorizontalFlip(p=1.0),
    "vflip": lambda h, w: VerticalFlip(p=1.0),
    "rot90": lambda h, w: RandomRotate90(p=1.0),
    "crop": lambda h, w: RandomCrop(max(1, h // 2), max(1, w - 1)),
    "pad": lambda h, w: PadIfNeeded(h + 2, w + 3, position="random", fill_mask=FILL_ID),
    "pad_reflect": lambda h, w: PadIfNeeded(h + 1, w + 2, border_mode="reflect"),
    "pad_divisor": lambda h, w: PadIfNeeded(None, None, pad_height_divisor=4, pad_width_divisor=3,
                                            fill_mask=FILL_ID),
}
WARPS = {
    "affine": lambda h, w: Affine(scale=(0.8, 1.25), translate_percent=(-0.2, 0.2), rotate=(-45, 45),
                                  shear=(-15, 15), fill_mask=FILL_ID, p=1.0),
    "elastic": lambda h, w: ElasticTransform(alpha=3.0, sigma=1.5, fill_mask=FILL_ID, p=1.0),
}
INTENSITY = {
    "brightness": lambda h, w: RandomBrightnessContrast(p=1.0),
    "gamma": lambda h, w: RandomGamma(p=1.0),
    "noise": lambda h, w: GaussNoise(p=1.0),
    "blur": lambda h, w: GaussianBlur(p=1.0),
    "normalize": lambda h, w: Normalize(mean=0.5, std=0.2),
}
ALL = {**PERMUTATIONS, **WARPS, **INTENSITY}


def _inputs(h, w, seed, channels=1):
    rng = np.random.default_rng(seed)
    return rng.random((channels, h, w)), rng.integers(0, 4, (h, w))


# ---------------------------------------------------------------- calling convention

def test_returns_the_keys_it_was_given():
    img, m = _inputs(5, 6, 0)
    aug = Compose([HorizontalFlip(), RandomRotate90()], seed=0)
    assert set(aug(image=img)) == {"image"}
    out = aug(image=img, mask=m, masks=[m, m + 1])
    assert list(out) == ["image", "mask", "masks"]
    assert isinstance(out["masks"], list) and len(out["masks"]) == 2
    np.testing.assert_array_equal(out["masks"][0], out["mask"])
    np.testing.assert_array_equal(out["masks"][1], out["mask"] + 1)
    stacked = aug(image=img, masks=np.stack([m, m]))["masks"]
    assert isinstance(stacked, np.ndarray) and stacked.shape[0] == 2


def test_dtypes_are_kept():
    for dtype in (np.float32, np.float64):
        for mask_dtype in (np.uint8, np.int32, np.int64, bool):
            img = np.random.default_rng(0).random((1, 8, 8)).astype(dtype)
            m = (img[0] > 0.5).astype(mask_dtype)
            out = Compose([Affine(rotate=(-30, 30), p=1.0), GaussianBlur(p=1.0), GaussNoise(p=1.0),
                           RandomBrightnessContrast(p=1.0), RandomGamma(p=1.0), Normalize(0.5, 0.5)],
                          seed=1)(image=img, mask=m)
            assert out["image"].dtype == dtype and out["mask"].dtype == mask_dtype


@pytest.mark.parametrize("call, error, message", [
    (lambda: HorizontalFlip()(np.zeros((2, 2))), TypeError, "by name"),
    (lambda: HorizontalFlip()(mask=np.zeros((2, 2), int)), TypeError, "image is required"),
    (lambda: HorizontalFlip()(image=np.zeros((2, 2)), label=1), TypeError, "unknown target"),
    (lambda: HorizontalFlip()(image=np.zeros((2, 2), np.uint8)), TypeError, "uint8"),
    (lambda: HorizontalFlip()(image=[[0.0]]), TypeError, "numpy array"),
    (lambda: HorizontalFlip()(image=np.zeros(3)), ValueError, r"\(H, W\) or \(C, H, W\)"),
    (lambda: HorizontalFlip()(image=np.zeros((1, 1, 2, 2))), ValueError, "spatial_dims=3"),
    (lambda: HorizontalFlip()(image=np.zeros((0, 2))), ValueError, "at least 1"),
    (lambda: HorizontalFlip()(image=np.zeros((2, 2)), mask=np.zeros((2, 2))), TypeError, "float64"),
    (lambda: HorizontalFlip()(image=np.zeros((1, 4, 5)), mask=np.zeros((5, 4), int)), ValueError,
     r"\(5, 4\).*\(1, 4, 5\).*\(4, 5\)"),
    (lambda: HorizontalFlip()(image=np.zeros((4, 5)), masks=np.zeros((4, 5), int)), ValueError, "stacks masks"),
    (lambda: HorizontalFlip()(image=np.zeros((4, 5)), masks=5), TypeError, "list of arrays"),
    (lambda: HorizontalFlip(p=1.5), ValueError, r"p=1.5 must be a probability in \[0, 1\]"),
    (lambda: HorizontalFlip(p=-0.1), ValueError, "probability"),
    (lambda: HorizontalFlip(p="0.5"), TypeError, "probability"),
    (lambda: HorizontalFlip(spatial_dims=1), ValueError, "spatial_dims=1"),
    (lambda: RandomCrop(-2, 3), ValueError, "height=-2 must be an integer >= 1"),
    (lambda: RandomCrop(2, 0), ValueError, "width=0"),
    (lambda: RandomCrop(5, 3)(image=np.zeros((4, 4))), ValueError, r"\(height, width\) = \(5, 3\).*\(4, 4\)"),
    (lambda: RandomCrop(2, 2, depth=2)(image=np.zeros((4, 4))), ValueError, "needs spatial_dims=3"),
    (lambda: PadIfNeeded(min_height=-1), ValueError, "min_height=-1"),
    (lambda: PadIfNeeded(pad_height_divisor=4), ValueError, "exactly one of min_height"),
    (lambda: PadIfNeeded(4, 4, position="middle"), ValueError, "position='middle'"),
    (lambda: PadIfNeeded(4, 4, fill_mask=-1)(image=np.zeros((2, 2)), mask=np.zeros((2, 2), np.uint8)),
     ValueError, r"fill_mask=-1 .* uint8 .*0..255"),
    (lambda: PadIfNeeded(4, 4, fill=(0, 0)), TypeError, "single finite number"),
    (lambda: DepthFlip()(image=np.zeros((2, 2))), ValueError, "needs spatial_dims=3"),
    (lambda: Compose([HorizontalFlip]), TypeError, "instance"),
    (lambda: Compose(HorizontalFlip()), TypeError, "list of transforms"),
    (lambda: Compose([DepthFlip()]), ValueError, "spatial_dims=3"),
    (lambda: Compose([HorizontalFlip(spatial_dims=3)]), ValueError, "spatial_dims=3 but is used with spatial_dims=2"),
    (lambda: Compose([], seed=-1), ValueError, "seed=-1"),
    (lambda: Compose([], p=2), ValueError, "p=2"),
    (lambda: OneOf([HorizontalFlip(p=0.0)]), ValueError, "weights"),
    (lambda: OneOf([]), ValueError, "at least one"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- randomness and p

def test_same_seed_replays_and_different_seeds_differ():
    img, m = _inputs(16, 16, 0)
    pipeline = lambda seed: Compose([HorizontalFlip(), RandomRotate90(), Affine(rotate=(-180, 180), p=1.0),
                                     GaussNoise(p=1.0)], seed=seed)
    a, b, c = pipeline(3), pipeline(3), pipeline(4)
    for _ in range(4):
        out_a, out_b, out_c = a(image=img, mask=m), b(image=img, mask=m), c(image=img, mask=m)
        np.testing.assert_array_equal(out_a["image"], out_b["image"])
        np.testing.assert_array_equal(out_a["mask"], out_b["mask"])
        assert not np.array_equal(out_a["image"], out_c["image"])


def test_standalone_transform_uses_the_library_default_generator_unless_given_rng():
    img, _ = _inputs(6, 6, 1)
    rotate = RandomRotate90()
    tconv.manual_seed(5)
    first = [rotate(image=img)["image"] for _ in range(6)]
    tconv.manual_seed(5)
    again = [rotate(image=img)["image"] for _ in range(6)]
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    state = tconv.random.default_generator().bit_generator.state
    RandomRotate90(rng=np.random.default_rng(0))(image=img)
    Compose([RandomRotate90()], seed=0)(image=img)
    assert tconv.random.default_generator().bit_generator.state == state      # not touched
    tconv.manual_seed(5)
    unseeded = Compose([RandomRotate90()])                  # seed=None: the default generator
    assert all(np.array_equal(unseeded(image=img)["image"], x) for x in first)


@few
@given(st.sampled_from(sorted(ALL)), sizes, sizes, seeds)
def test_p0_is_the_identity_and_draws_nothing(name, h, w, seed):
    img, m = _inputs(h, w, seed)
    transform = ALL[name](h, w)
    transform.p = 0.0
    transform.rng = np.random.default_rng(seed)
    state = transform.rng.bit_generator.state
    out = transform(image=img, mask=m)
    np.testing.assert_array_equal(out["image"], img)
    np.testing.assert_array_equal(out["mask"], m)
    assert transform.rng.bit_generator.state == state


def test_p1_always_applies_and_p_is_a_frequency():
    img = np.arange(6.0).reshape(2, 3)
    always = HorizontalFlip(p=1.0, rng=np.random.default_rng(0))
    assert all(np.array_equal(always(image=img)["image"], img[:, ::-1]) for _ in range(30))
    sometimes = Compose([HorizontalFlip(p=0.3)], seed=0)
    flips = sum(np.array_equal(sometimes(image=img)["image"], img[:, ::-1]) for _ in range(400))
    assert 80 <= flips <= 160                          # 120 expected, sd 9.2
    never = Compose([HorizontalFlip(p=1.0)], p=0.0, seed=0)
    assert np.array_equal(never(image=img)["image"], img)


def test_one_of_applies_exactly_one_weighted_by_p():
    img = np.arange(6.0).reshape(2, 3)
    choose = Compose([OneOf([HorizontalFlip(p=3.0 / 4), VerticalFlip(p=1.0 / 4)], p=1.0)], seed=0)
    outcomes = [choose(image=img)["image"] for _ in range(400)]
    horizontal = sum(np.array_equal(o, img[:, ::-1]) for o in outcomes)
    vertical = sum(np.array_equal(o, img[::-1]) for o in outcomes)
    assert horizontal + vertical == 400                # one of them, never both, never neither
    assert 260 <= horizontal <= 340                    # 300 expected, sd 8.7


# ---------------------------------------------------------------- one draw for all targets

def test_keras_trap_is_avoided_one_draw_moves_every_target():
    """Keras' recipe, two generators with one seed, desynchronises as soon as the two pipelines
    draw a different number of times (here: a brightness change drawn for the image only)."""
    img = np.random.default_rng(0).random((1, 32, 32))
    mask = (img[0] > 0.5).astype(np.int64)
    rotate = lambda: Affine(rotate=(-90, 90), p=1.0)
    image_pipeline = Compose([RandomBrightnessContrast(brightness_limit=0, p=1.0), rotate()], seed=0)
    mask_pipeline = Compose([rotate()], seed=0)
    trapped = image_pipeline(image=img)["image"][0] > 0.5, mask_pipeline(image=img, mask=mask)["mask"]
    assert (trapped[0] != trapped[1]).mean() > 0.1     # the "same seed" rotated them differently

    pipeline = Compose([RandomBrightnessContrast(brightness_limit=0, p=1.0), rotate()], seed=0)
    together = Compose([rotate()], seed=0)(image=img[0].copy(), mask=mask, masks=[mask, mask * 2])
    out = pipeline(image=img, mask=mask)
    assert set(np.unique(out["mask"])) <= {0, 1}       # nearest neighbour: no new class ids
    np.testing.assert_array_equal(together["masks"][0], together["mask"])
    np.testing.assert_array_equal(together["masks"][1], 2 * together["mask"])


def test_draws_do_not_depend_on_which_targets_are_passed():
    img, m = _inputs(12, 12, 3)
    pipeline = lambda: Compose([HorizontalFlip(), RandomCrop(8, 8), Affine(rotate=(-30, 30)),
                                ElasticTransform(alpha=2, sigma=2), GaussNoise()], seed=9)
    alone, with_masks = pipeline(), pipeline()
    for _ in range(3):
        np.testing.assert_array_equal(alone(image=img)["image"],
                                      with_masks(image=img, mask=m, masks=[m, m])["image"])


# ---------------------------------------------------------------- properties of every transform

@few
@given(st.sampled_from(sorted(ALL)), sizes, sizes, seeds)
def test_mask_labels_are_a_subset_of_the_input_labels(name, h, w, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice([0, 3, 7, 200], size=rng.integers(1, 5), replace=False)
    m = rng.choice(labels, size=(h, w)).astype(np.uint8)
    transform = ALL[name](h, w)
    if getattr(transform, "fill_mask", None) == FILL_ID:
        transform.fill_mask = 255                          # fits uint8; a label the input never has
    out = Compose([transform], seed=seed)(image=rng.random((2, h, w)), mask=m)
    assert out["mask"].dtype == np.uint8
    assert set(np.unique(out["mask"])) <= set(labels) | {255}
    if name in ("hflip", "vflip", "rot90") or name in INTENSITY:
        assert np.array_equal(np.sort(out["mask"].ravel()), np.sort(m.ravel()))   # a permutation


@few
@given(st.sampled_from(["hflip", "vflip", "rot90", "crop", "pad", "pad_reflect"]), sizes, sizes, seeds)
def test_thresholded_image_and_mask_stay_equal(name, h, w, seed):
    img = np.random.default_rng(seed).random((h, w))
    transform = ALL[name](h, w)
    if hasattr(transform, "fill_mask"):
        transform.fill_mask = 0                            # False, like the fill 0 of the image
    out = Compose([transform], seed=seed)(image=img, mask=img > 0.5)
    np.testing.assert_array_equal(out["mask"], out["image"] > 0.5)


@few
@given(st.sampled_from(sorted(PERMUTATIONS)), sizes, sizes, seeds)
def test_permutations_move_image_and_mask_identically(name, h, w, seed):
    out = Compose([PERMUTATIONS[name](h, w)], seed=seed)(image=coordinate_image((h, w)), mask=id_mask((h, w)))
    assert_moved_together_exactly(out["image"], out["mask"], (h, w))


@few
@given(st.sampled_from(sorted(WARPS)), st.integers(6, 16), st.integers(6, 16), seeds)
def test_warps_move_image_and_mask_together(name, h, w, seed):
    out = Compose([WARPS[name](h, w)], seed=seed)(image=coordinate_image((h, w)), mask=id_mask((h, w)))
    checked = assert_moved_together_within_half_pixel(out["image"], out["mask"], (h, w))
    assert checked > 0


@few
@given(sizes, sizes, seeds)
def test_flips_rot90_and_crops_follow_their_index_formulas(h, w, seed):
    img = np.random.default_rng(seed).random((2, h, w))
    flipped = HorizontalFlip(p=1.0)(image=img)["image"]
    assert all(flipped[c, i, j] == img[c, i, w - 1 - j] for c in range(2) for i in range(h) for j in range(w))
    flipped = VerticalFlip(p=1.0)(image=img)["image"]
    assert all(flipped[c, i, j] == img[c, h - 1 - i, j] for c in range(2) for i in range(h) for j in range(w))
    rotated = RandomRotate90(rng=np.random.default_rng(seed))(image=img)["image"]
    quarter_turns = [img[0], img[0].T[::-1], img[0][::-1, ::-1], img[0][::-1].T]    # counter-clockwise
    assert sum(r.shape == rotated[0].shape and np.array_equal(r, rotated[0]) for r in quarter_turns) >= 1
    crop = RandomCrop(max(1, h - 1), max(1, w // 2), rng=np.random.default_rng(seed))(image=img)["image"]
    windows = [img[:, t:t + crop.shape[1], l:l + crop.shape[2]] for t in range(h - crop.shape[1] + 1)
               for l in range(w - crop.shape[2] + 1)]
    assert any(np.array_equal(crop, window) for window in windows)


def test_rot90_turns_counter_clockwise_k_times():
    img = np.random.default_rng(0).random((2, 3, 4))
    turn = RandomRotate90()
    once = turn.apply(img, k=1)
    h, w = img.shape[1:]
    assert once.shape == (2, w, h)
    assert all(once[c, i, j] == img[c, j, w - 1 - i] for c in range(2) for i in range(w) for j in range(h))
    for k in range(4):
        expected = img
        for _ in range(k):
            expected = np.stack([channel.T[::-1] for channel in expected])     # one turn: transpose, flip rows
        np.testing.assert_array_equal(turn.apply(img, k=k), expected)


def test_outputs_are_contiguous_copies_not_views():
    img, m = _inputs(4, 5, 0)
    out = HorizontalFlip(p=1.0)(image=img, mask=m)
    assert out["image"].flags.c_contiguous and out["mask"].flags.c_contiguous
    out["image"][...] = -1
    assert img.min() >= 0


def test_crop_positions_are_uniform_over_the_valid_offsets():
    img = np.arange(4.0)[None, :].repeat(2, axis=0)                    # (2, 4): value = column
    crop = Compose([RandomCrop(2, 2)], seed=0)
    lefts = [int(crop(image=img)["image"][0, 0]) for _ in range(600)]
    counts = np.bincount(lefts, minlength=3)
    assert counts.size == 3 and np.all(np.abs(counts - 200) < 50)      # 0, 1, 2 equally often


def test_pad_if_needed_known_values():
    img = np.arange(1.0, 7.0).reshape(2, 3)
    m = np.arange(6).reshape(2, 3)
    out = PadIfNeeded(5, 4)(image=img, mask=m)                         # H: 1 above, 2 below; W: 0 left, 1 right
    np.testing.assert_array_equal(out["image"], np.pad(img, ((1, 2), (0, 1))))
    corner = PadIfNeeded(3, 5, position="bottom_right", fill=-1.0, fill_mask=9)(image=img, mask=m)
    np.testing.assert_array_equal(corner["image"], np.pad(img, ((1, 0), (2, 0)), constant_values=-1.0))
    np.testing.assert_array_equal(corner["mask"], np.pad(m, ((1, 0), (2, 0)), constant_values=9))
    reflect = PadIfNeeded(4, 3, border_mode="reflect")(image=img, mask=m)
    np.testing.assert_array_equal(reflect["image"], [[4, 5, 6], [1, 2, 3], [4, 5, 6], [1, 2, 3]])
    unchanged = PadIfNeeded(1, 1)(image=img, mask=m)
    np.testing.assert_array_equal(unchanged["image"], img)
    divisible = PadIfNeeded(None, None, pad_height_divisor=4, pad_width_divisor=4)(image=img)["image"]
    assert divisible.shape == (4, 4)


# ---------------------------------------------------------------- volumes (spatial_dims=3)

def _volume(seed, shape=(3, 4, 5)):
    return coordinate_image(shape), id_mask(shape)


@pytest.mark.parametrize("transform, axis", [(HorizontalFlip(p=1.0), -1), (VerticalFlip(p=1.0), -2),
                                             (DepthFlip(p=1.0), -3)])
def test_volume_flips(transform, axis):
    vol, m = _volume(0)
    out = Compose([transform], spatial_dims=3, seed=0)(image=vol, mask=m)
    np.testing.assert_array_equal(out["image"], np.flip(vol, axis))
    np.testing.assert_array_equal(out["mask"], np.flip(m, axis))


@few
@given(st.sampled_from(["rot90", "crop", "pad", "flips"]), seeds)
def test_volume_permutations_move_image_and_mask_identically(name, seed):
    shape = (3, 4, 5)
    transform = {"rot90": RandomRotate90(), "crop": RandomCrop(3, 2, depth=2),
                 "pad": PadIfNeeded(5, 6, min_depth=4, position="random", fill_mask=FILL_ID),
                 "flips": OneOf([DepthFlip(), HorizontalFlip(), VerticalFlip()], p=1.0)}[name]
    vol, m = _volume(seed, shape)
    out = Compose([transform], spatial_dims=3, seed=seed)(image=vol, mask=m)
    assert_moved_together_exactly(out["image"], out["mask"], shape)
    if name == "rot90":                                # every slice turns the same way, depth stays
        np.testing.assert_array_equal(out["image"][0], np.broadcast_to(np.arange(3)[:, None, None],
                                                                      out["mask"].shape))


@pytest.mark.parametrize("make", [lambda: Affine(rotate=(-40, 40), scale=(0.8, 1.2), fill_mask=FILL_ID, p=1.0),
                                  lambda: ElasticTransform(alpha=3, sigma=2, fill_mask=FILL_ID, p=1.0)])
def test_volume_warps_apply_the_same_in_plane_warp_to_every_slice(make):
    shape = (3, 7, 8)
    vol, m = _volume(1, shape)
    out = Compose([make()], spatial_dims=3, seed=4)(image=vol, mask=m)
    for d in range(3):
        plane = Compose([make()], seed=4)(image=vol[1:, d], mask=m[d])    # the 2-D warp, same draw
        np.testing.assert_array_equal(out["image"][1:, d], plane["image"])
        np.testing.assert_array_equal(out["mask"][d], plane["mask"])
    assert assert_moved_together_within_half_pixel(out["image"], out["mask"], shape) > 0
    inside = (out["mask"] != FILL_ID) & (out["image"][-1] > 1 - 1e-9)
    depth_of_id = np.unravel_index(out["mask"][inside], shape)[0]
    np.testing.assert_allclose(out["image"][0][inside], depth_of_id, atol=1e-12)   # nothing moved in depth


def test_volume_intensity_and_normalize_per_channel():
    vol = np.random.default_rng(0).random((2, 3, 4, 5)).astype(np.float32)
    out = Compose([Normalize(mean=(0.5, 0.25), std=(0.5, 0.25))], spatial_dims=3)(image=vol)["image"]
    np.testing.assert_allclose(out[0], (vol[0] - 0.5) / 0.5, rtol=1e-6)
    np.testing.assert_allclose(out[1], (vol[1] - 0.25) / 0.25, rtol=1e-6)
    out = Compose([RandomGamma(p=1.0), GaussianBlur(p=1.0), GaussNoise(p=1.0)], spatial_dims=3, seed=0)(
        image=vol, mask=np.zeros((3, 4, 5), int))
    assert out["image"].shape == vol.shape and out["image"].dtype == np.float32


# ---------------------------------------------------------------- review regressions

@pytest.mark.parametrize("make, name", [
    (lambda: GaussNoise(per_channel="False"), "per_channel"),
    (lambda: Affine(keep_ratio="no"), "keep_ratio"),
    (lambda: ElasticTransform(same_dxdy=0), "same_dxdy"),
    (lambda: RandomBrightnessContrast(brightness_by_max="no"), "brightness_by_max"),
])
def test_flags_must_be_true_or_false(make, name):
    # bool("False") is True: a string flag used to switch the option on silently.
    with pytest.raises(TypeError, match=f"{name}=.* must be True or False"):
        make()


@pytest.mark.parametrize("make, error, message", [
    # NaN or infinite ranges used to pass construction and crash in the first call (numpy OverflowError).
    (lambda: Affine(rotate=float("nan")), ValueError, "rotate=nan must hold finite numbers"),
    (lambda: Affine(rotate=(0, float("inf"))), ValueError, "rotate=.* must hold finite numbers"),
    (lambda: Affine(scale=float("inf")), ValueError, "scale=inf must hold finite numbers"),
    (lambda: Affine(translate_percent={"x": float("nan")}), ValueError, r"translate_percent\['x'\]=nan"),
    (lambda: RandomBrightnessContrast(brightness_limit=float("nan")), ValueError, "brightness_limit=nan"),
    (lambda: GaussianBlur(sigma_limit=(1.0, float("inf"))), ValueError, "sigma_limit=.* finite"),
    # Normalize used to accept NaN (a silently NaN image) and reported strings in NumPy's words.
    (lambda: Normalize(mean=float("nan"), std=1.0), ValueError, "mean=nan must hold finite numbers"),
    (lambda: Normalize(mean=0.5, std=(0.2, float("inf"))), ValueError, "std=.* finite"),
    (lambda: Normalize(mean="a", std=1.0), TypeError, "mean='a' must be a number or one number per channel"),
    (lambda: ElasticTransform(alpha="1"), TypeError, "alpha='1' must be a finite number >= 0"),
    (lambda: ElasticTransform(alpha=True), TypeError, "alpha=True"),
])
def test_numeric_arguments_must_be_finite_numbers(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_one_of_takes_spatial_dims_like_every_transform():
    # OneOf used to have no spatial_dims, so on its own it could not hold volume-only transforms.
    volume = np.arange(8.0).reshape(2, 2, 2)                                  # (D, H, W)
    out = OneOf([DepthFlip(p=1.0)], p=1.0, spatial_dims=3)(image=volume)["image"]
    np.testing.assert_array_equal(out, volume[::-1])
    with pytest.raises(ValueError, match="DepthFlip .* needs spatial_dims=3"):
        OneOf([DepthFlip()], spatial_dims=2)
