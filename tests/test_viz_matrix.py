"""The matrix figure (tconv.viz.matrix): its entries are the convolution matrix, entry by entry.

References: the lecture notes' 4x16 matrix (docs/references.md: row 0 is
[1,4,1,0, 1,4,3,0, 3,3,1,0, 0,0,0,0], rows 1-3 are it shifted by 1, 4, 5) and, for other
geometries, a matrix built here one output pixel and one tap at a time.
"""
from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import assume, given, settings, strategies as st  # noqa: E402
from test_viz_grids import all_text, overlapping, text_boxes, texts  # noqa: E402

from tconv.geometry import conv_geometry, conv_transpose_geometry  # noqa: E402
from tconv.viz import draw_matrix, matrix_data  # noqa: E402
from tconv.viz.matrix import MAX_TEXT_ENTRIES  # noqa: E402
from tconv.viz.style import MIN_FONT_SIZE  # noqa: E402

ROW0 = [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0]


def drawn_matrix(figure, shape) -> np.ndarray:
    """The entries written in the figure's cells C[r,c], as strings."""
    found = texts(figure)
    return np.array([[found[f"C[{r},{c}]"] for c in range(shape[1])] for r in range(shape[0])])


def loop_matrix(image, kernel, stride, pads, dilation) -> tuple[np.ndarray, np.ndarray]:
    """The convolution matrix of one channel, and each entry's tap name, built pixel by pixel."""
    padded = [i + b + a for i, (b, a) in zip(image, pads)]
    k_hat = [d * (k - 1) + 1 for k, d in zip(kernel.shape, dilation)]
    out = [(n - kh) // s + 1 for n, kh, s in zip(padded, k_hat, stride)]
    dense = np.zeros((int(np.prod(out)), int(np.prod(image))))
    names = np.full(dense.shape, "0", dtype=object)
    for row, o in enumerate(np.ndindex(*out)):
        for t in np.ndindex(*kernel.shape):
            j = [oi * s + ti * d - b for oi, s, ti, d, (b, _) in zip(o, stride, t, dilation, pads)]
            if all(0 <= jj < n for jj, n in zip(j, image)):
                column = int(np.ravel_multi_index(j, image))
                dense[row, column] = kernel[t]
                names[row, column] = "w" + "".join(map(str, t))
    return dense, names


def test_the_lecture_notes_matrix_exactly():
    figure = draw_matrix(conv_geometry((4, 4), (3, 3)), numbers=True)
    drawn = drawn_matrix(figure, (4, 16)).astype(int)
    assert drawn[0].tolist() == ROW0
    for row, shift in zip((1, 2, 3), (1, 4, 5)):
        assert drawn[row].tolist() == ([0] * shift + ROW0)[:16]
    words = all_text(figure)
    assert "y = C x = [122, 148, 126, 134]" in words
    assert "rows 1..3 are row 0 shifted right by 1, 4, 5" in words


def test_the_lecture_notes_matrix_symbolically():
    drawn = drawn_matrix(draw_matrix(conv_geometry((4, 4), (3, 3))), (4, 16))
    assert drawn[0].tolist() == ["w00", "w01", "w02", "0", "w10", "w11", "w12", "0",
                                 "w20", "w21", "w22", "0", "0", "0", "0", "0"]
    assert drawn[3, 5] == "w00" and drawn[3, 15] == "w22"


def test_the_transpose_is_drawn_with_the_output_vector():
    figure = draw_matrix(conv_geometry((4, 4), (3, 3)), numbers=True, transpose=True)
    drawn = drawn_matrix(figure, (16, 4)).astype(int)
    assert drawn[:, 0].tolist() == ROW0                          # column 0 of C.T is row 0 of C
    found = texts(figure)
    output = [int(found[f"out[{n},0]"]) for n in range(16)]
    assert output == [2, 9, 6, 1, 6, 29, 30, 7, 10, 29, 33, 13, 12, 24, 16, 4]
    assert [found[f"y[{n}]"] for n in range(4)] == ["2", "1", "4", "4"]


@settings(max_examples=8)
@given(i=st.integers(3, 6), j=st.integers(1, 5), k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 1),
       d=st.integers(1, 2))
def test_any_geometry_draws_its_own_matrix(i, j, k, s, p, d):
    assume(d * (k - 1) + 1 <= min(i, j) + 2 * p)
    g = conv_geometry((i, j), (k, k), s, p, d)
    assume(max(np.prod(g.output_size), i * j) <= MAX_TEXT_ENTRIES)      # larger matrices are drawn without text
    data = matrix_data(g, numbers=True, seed=2)
    dense, names = loop_matrix((i, j), data["kernel"], (s, s), g.padding, (d, d))
    np.testing.assert_array_equal(data["dense"], dense)
    symbolic = drawn_matrix(draw_matrix(g), dense.shape)
    np.testing.assert_array_equal(symbolic, names)


def test_a_transposed_geometry_draws_its_own_matrix_c_transpose():
    g = conv_transpose_geometry((3,), (3,), stride=2, padding=1, output_padding=1)
    data = matrix_data(g, numbers=True)
    dense, _ = loop_matrix((6,), data["kernel"], (2,), ((1, 1),), (1,))
    np.testing.assert_array_equal(data["dense"], dense.T)
    assert "Cᵀ (6 × 3)".replace(" ", "\xa0") in all_text(draw_matrix(g)).replace(" ", "\xa0")


def test_labels_do_not_overlap():
    figure = draw_matrix(conv_geometry((5, 5), (3, 3), stride=2, padding=1), numbers=True)
    boxes = text_boxes(figure)
    assert overlapping(boxes) == []
    assert min(t.get_fontsize() for t, _ in boxes) >= MIN_FONT_SIZE


def test_large_matrices_lose_their_text_then_are_refused():
    plain = draw_matrix(conv_geometry((8, 8), (3, 3)))              # 36 x 64
    assert not any(key.startswith("C[") for key in texts(plain))
    with pytest.raises(ValueError, match="too large to draw"):
        draw_matrix(conv_geometry((16, 16), (3, 3)))
    with pytest.raises(ValueError, match="numbers=True writes every entry"):
        draw_matrix(conv_geometry((8, 8), (3, 3)), numbers=True)
