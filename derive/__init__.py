"""derive: machine-checked derivations of optimizer update rules.

>>> import derive as dv
>>> obj = dv.Objective("2*x**2", params="x")
>>> dv.taylor(obj, order=2, about={"x": 1}).terms
(2, 4*x - 4, 2*(x - 1)**2)
"""

from .errors import DeriveError as DeriveError
from .errors import NumericError as NumericError
from .errors import ObjectiveError as ObjectiveError
from .errors import ParseError as ParseError
from .errors import VerificationError as VerificationError
from .objective import Objective as Objective
from .parse import parse as parse
from .taylor import Directional as Directional
from .taylor import Taylor as Taylor
from .taylor import directional as directional
from .taylor import taylor as taylor

__version__ = "0.1.0"

__all__ = [
    "DeriveError",
    "Directional",
    "NumericError",
    "Objective",
    "ObjectiveError",
    "ParseError",
    "Taylor",
    "VerificationError",
    "__version__",
    "directional",
    "parse",
    "taylor",
]
