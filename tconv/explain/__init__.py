"""What ``tconv explain`` says, and the check behind it.

* :mod:`.report`: a geometry's arithmetic, spellings, matrix and checks as lines of text;
* :mod:`.five_views`: every view of one operator (each method, the explicit matrix, the
  reference loops, zero insertion, the autograd's input gradient) computed and compared;
* :mod:`.stack`: the receptive field of a stack of layers and its footprint (``--stack``).
"""
from .five_views import ViewCheck, check_steps, check_views, lecture_checks
from .report import (DENSE_MAX_COLS, DENSE_MAX_ENTRIES, DENSE_MAX_ROWS, MAX_NNZ, count_nonzeros, dense_lines,
                     describe_geometry, describe_keras, format_checks, lecture_example, operator_matrix)
from .stack import describe_stack
from ..matrix import LECTURE_K, LECTURE_M

__all__ = ["ViewCheck", "describe_geometry", "describe_keras", "check_views", "check_steps", "format_checks",
           "lecture_example", "lecture_checks", "count_nonzeros", "dense_lines", "operator_matrix", "MAX_NNZ",
           "LECTURE_M", "LECTURE_K", "describe_stack"]
